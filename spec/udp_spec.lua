-- UDP over loopback: unit tests with both ends in this process, and
-- integration tests against python3 and socat peers in child processes.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.peers"

-- A datagram socket bound to host (default 127.0.0.1) on a free port, with
-- a timeout so that a lost datagram fails the test instead of hanging it.
local function bound(family, host)
  local s = assert(psock.socket(family or "inet", "dgram"))
  assert.is_true(s:bind(host or "127.0.0.1", 0))
  assert.is_true(s:settimeout(10))
  return s
end

local function assert_fails(errno, ...)
  local value, msg, code = ...
  assert.is_nil(value)
  assert.are.equal(psock.errname(errno), psock.errname(code))
  assert.are.equal(psock.strerror(errno), msg)
end

local function port_of(s)
  return (select(2, s:getsockname()))
end

-- A python3 UDP peer: answers every datagram with it in upper case, to
-- the address it came from, until it gets "quit".
local PY_UDP_ECHO = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
s.settimeout(15)
print("ready", s.getsockname()[1], flush=True)
while True:
    data, addr = s.recvfrom(65536)
    if data == b"quit":
        break
    s.sendto(data.upper(), addr)
    print("from", addr[0], addr[1], len(data), flush=True)
s.close()
print("done", flush=True)
]]

describe("udp", function()

  describe("sendto and recvfrom", function()

    it("round trip, the sender's address feeding straight back", function()
      local a <close> = bound()
      local b <close> = bound()
      assert.are.equal(4, a:sendto("ping", b:getsockname()))
      local data, host, port = b:recvfrom()
      assert.are.equal("ping", data)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(port_of(a), port)
      assert.are.equal(4, b:sendto("pong", host, port))
      assert.are.same({ "pong", "127.0.0.1", port_of(b) }, { a:recvfrom() })
    end)

    it("gives an unbound sender a port that the receiver sees", function()
      local a <close> = assert(psock.socket("inet", "dgram"))
      local b <close> = bound()
      assert.are.equal(5, a:sendto("hello", "127.0.0.1", port_of(b)))
      local _, host, port = b:recvfrom()
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(port_of(a), port)
      assert.is_true(port > 0)
    end)

    it("keeps datagram boundaries", function()
      local a <close> = bound()
      local b <close> = bound()
      local host, port = b:getsockname()
      local sizes = { 1, 1000, 3, 9000, 17 }
      for i, size in ipairs(sizes) do
        assert.are.equal(size, a:sendto(P.pattern(size + i):sub(-size), host, port))
      end
      for i, size in ipairs(sizes) do
        assert.are.equal(P.pattern(size + i):sub(-size), b:recv())
      end
    end)

    it("carries the largest IPv4 datagram, through recv with a large n",
       function()
      local a <close> = bound()
      local b <close> = bound()
      local data = P.pattern(65507)
      assert.are.equal(#data, a:sendto(data, b:getsockname()))
      assert.is_true(b:recv(1 << 17) == data, "datagram changed")
      assert.are.equal(#data, a:sendto(data, b:getsockname()))
      assert.is_true(b:recv() == data, "datagram changed")
      assert_fails(psock.EMSGSIZE, a:sendto(data .. "x", b:getsockname()))
    end)

    it("truncates a datagram to n bytes in recv(n), dropping the rest",
       function()
      local a <close> = bound()
      local b <close> = bound()
      local host, port = b:getsockname()
      assert.are.equal(26, a:sendto("abcdefghijklmnopqrstuvwxyz", host, port))
      assert.are.equal(4, a:sendto("next", host, port))
      assert.are.equal(26, a:sendto("ABCDEFGHIJKLMNOPQRSTUVWXYZ", host, port))
      assert.are.equal("abcdefghij", b:recv(10))
      assert.are.equal("next", b:recv())
      assert.are.same({ "ABC", "127.0.0.1", port_of(a) }, { b:recvfrom(3) })
    end)

    it("sends and receives an empty datagram", function()
      local a <close> = bound()
      local b <close> = bound()
      assert.are.equal(0, a:sendto("", b:getsockname()))
      local data, host, port = b:recvfrom()
      assert.are.equal("", data)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(port_of(a), port)
      assert.are.equal(0, b:sendto(data, host, port))
      assert.are.equal("", a:recv())
    end)

    it("peeks with MSG_PEEK without consuming", function()
      local a <close> = bound()
      local b <close> = bound()
      assert.are.equal(8, a:sendto("peekaboo", b:getsockname()))
      assert.are.same({ "peek", "127.0.0.1", port_of(a) },
                      { b:recvfrom(4, psock.MSG_PEEK) })
      assert.are.equal("peekaboo", b:recv())
    end)
  end)

  describe("connected", function()

    it("sends and receives with send and recv", function()
      local a <close> = bound()
      local b <close> = bound()
      assert.is_true(a:connect(b:getsockname()))
      assert.is_true(b:connect(a:getsockname()))
      assert.are.same({ b:getsockname() }, { a:getpeername() })
      assert.are.same({ a:getsockname() }, { b:getpeername() })
      assert.are.equal(3, a:send("one"))
      assert.are.equal("one", b:recv())
      assert.are.equal(3, b:send("two"))
      assert.are.same({ "two", "127.0.0.1", port_of(b) }, { a:recvfrom() })
    end)

    it("receives only from its peer", function()
      local a <close> = bound()
      local b <close> = bound()
      local other <close> = bound()
      assert.is_true(a:connect(b:getsockname()))
      assert.are.equal(8, other:sendto("intruder", a:getsockname()))
      assert.are.equal(4, b:sendto("peer", a:getsockname()))
      assert.are.equal("peer", a:recv())
      assert.is_true(a:settimeout(0))
      assert_fails(psock.EAGAIN, a:recv())
    end)

    it("reports ECONNREFUSED when nobody listens at the peer", function()
      local a <close> = bound()
      assert.is_true(a:connect("127.0.0.1", H.free_port("dgram")))
      assert.are.equal(5, a:send("hello"))
      -- the ICMP port unreachable comes back as the socket's error
      assert_fails(psock.ECONNREFUSED, a:recv())
    end)

    it("needs a destination when not connected", function()
      local a <close> = bound()
      assert_fails(psock.EDESTADDRREQ, a:send("nowhere"))
    end)
  end)

  describe("timeouts", function()

    it("ends a recvfrom with no datagram after the timeout", function()
      local a <close> = bound()
      assert.is_true(a:settimeout(0.2))
      local elapsed, results = P.timed(function() return a:recvfrom() end)
      assert.is_nil(results[1])
      assert.are.equal("timeout", results[2])
      assert.are.equal(psock.ETIMEDOUT, results[3])
      assert.is_true(elapsed >= 0.15, "returned after only " .. elapsed .. " s")
      assert.is_true(elapsed < 2, "returned after " .. elapsed .. " s")
      assert.are.equal(5, a:sendto("after", a:getsockname()))
      assert.are.equal("after", a:recv())
    end)

    it("makes recv and recvfrom non-blocking with settimeout(0)", function()
      local a <close> = bound()
      assert.is_true(a:settimeout(0))
      assert_fails(psock.EAGAIN, a:recv())
      assert_fails(psock.EAGAIN, a:recvfrom())
      assert.are.equal(3, a:sendto("now", a:getsockname()))
      local data = H.eventually(function() return (a:recvfrom()) end)
      assert.are.equal("now", data)
    end)

    it("does not wait with MSG_DONTWAIT on a blocking socket", function()
      local a <close> = bound()
      assert.is_true(a:settimeout(nil))
      assert_fails(psock.EAGAIN, a:recv(100, psock.MSG_DONTWAIT))
    end)
  end)

  describe("broadcast option", function()

    it("is needed to send to a broadcast address", function()
      local a <close> = bound()
      local port = H.free_port("dgram")
      assert.is_false(a:getopt("broadcast"))
      assert_fails(psock.EACCES, a:sendto("all", "127.255.255.255", port))
      assert.is_true(a:setopt("broadcast", true))
      assert.is_true(a:getopt("broadcast"))
      assert.are.equal(3, a:sendto("all", "127.255.255.255", port))
      assert.is_true(a:setopt("broadcast", false))
      assert.is_false(a:getopt("broadcast"))
      assert_fails(psock.EACCES, a:sendto("all", "127.255.255.255", port))
    end)
  end)

  describe("with peers", function()

    it("talks to a python3 echo peer", function()
      local child <close> = P.python(PY_UDP_ECHO, "4 127.0.0.1")
      local port = P.ready_port(child)
      local a <close> = bound()
      local mine = port_of(a)
      for _, text in ipairs({ "first", "", "third one" }) do
        assert.are.equal(#text, a:sendto(text, "127.0.0.1", port))
        assert.are.same({ text:upper(), "127.0.0.1", port }, { a:recvfrom() })
        assert.are.equal("from 127.0.0.1 " .. mine .. " " .. #text, child:line())
      end
      assert.are.equal(4, a:sendto("quit", "127.0.0.1", port))
      assert.are.equal("done", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("answers a python3 client at the address recvfrom gives", function()
      local a <close> = bound()
      local child <close> = P.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(15)
print("ready", s.getsockname()[1], flush=True)
s.sendto(b"question", ("127.0.0.1", int(sys.argv[1])))
data, addr = s.recvfrom(65536)
print(data.decode(), addr[1], flush=True)
]], tostring(port_of(a)))
      local client_port = P.ready_port(child)
      local data, host, port = a:recvfrom()
      assert.are.equal("question", data)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(client_port, port)
      assert.are.equal(18, a:sendto("answer to " .. data, host, port))
      assert.are.equal("answer to question " .. port_of(a), child:line())
    end)

    it("answers a socat client", function()
      local a <close> = bound()
      local child <close> = P.spawn("exec socat -t 15 - UDP:127.0.0.1:" ..
        port_of(a) .. " <<'EOF'\nfrom socat\nEOF\n")
      local data, host, port = a:recvfrom()
      assert.are.equal("from socat\n", data)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(9, a:sendto("to socat\n", host, port))
      assert.are.equal("to socat", child:line())
    end)

    it("talks to a socat echo server", function()
      local port = H.free_port("dgram")
      local child <close>, where =
        P.socat("UDP-RECVFROM:" .. port .. ",bind=127.0.0.1 EXEC:cat")
      assert.are.equal("AF=2 127.0.0.1:" .. port, where)
      local a <close> = bound()
      assert.are.equal(11, a:sendto("echo, socat", "127.0.0.1", port))
      assert.are.same({ "echo, socat", "127.0.0.1", port }, { a:recvfrom() })
      local log = child:stop()
      assert.matches("received packet with 11 bytes from AF=2 127.0.0.1:" ..
                     port_of(a), log, 1, true)
    end)
  end)

  describe("over IPv6", function()

    it("round trips on ::1", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local a <close> = bound("inet6", "::1")
      local b <close> = bound("inet6", "::1")
      assert.are.equal("inet6", a:family())
      assert.are.equal(3, a:sendto("six", b:getsockname()))
      local data, host, port = b:recvfrom()
      assert.are.same({ "six", "::1", port_of(a) }, { data, host, port })
      assert.are.equal(5, b:sendto("seven", host, port))
      assert.are.same({ "seven", "::1", port_of(b) }, { a:recvfrom() })
    end)

    it("connects on ::1", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local a <close> = bound("inet6", "::1")
      local b <close> = bound("inet6", "::1")
      assert.is_true(a:connect(b:getsockname()))
      assert.are.same({ "::1", port_of(b) }, { a:getpeername() })
      assert.are.equal(4, a:send("conn"))
      assert.are.same({ "conn", "::1", port_of(a) }, { b:recvfrom() })
    end)

    it("talks to a python3 echo peer on ::1", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local child <close> = P.python(PY_UDP_ECHO, "6 ::1")
      local port = P.ready_port(child)
      local a <close> = bound("inet6", "::1")
      assert.are.equal(6, a:sendto("over 6", "::1", port))
      assert.are.same({ "OVER 6", "::1", port }, { a:recvfrom() })
      assert.are.equal("from ::1 " .. port_of(a) .. " 6", child:line())
      assert.are.equal(4, a:sendto("quit", "::1", port))
      assert.are.equal("done", child:line())
    end)
  end)
  -- sendto and recvfrom remember the last peer's address to skip
  -- converting it again; a different peer must never get the old one.
  describe("peer caches", function()
    it("sends to each destination in turn, alternating ports and forms", function()
      local a <close> = bound("inet", "127.0.0.1")
      local b <close> = bound("inet", "127.0.0.1")
      local c <close> = bound("inet", "127.0.0.1")
      local pb, pc = port_of(b), port_of(c)
      local sends = {
        { "1", "127.0.0.1", pb }, { "2", "127.0.0.1", pc }, { "3", "127.0.0.1", pb },
        { "4", "localhost", pc }, { "5", "127.0.0.1", pc }, { "6", "127.0.0.1", pb },
      }
      for _, send in ipairs(sends) do
        assert.are.equal(1, a:sendto(send[1], send[2], send[3]))
      end
      assert.are.same({ "1", "3", "6" }, { b:recv(), b:recv(), b:recv() })
      assert.are.same({ "2", "4", "5" }, { c:recv(), c:recv(), c:recv() })
    end)

    it("names each sender right when senders alternate", function()
      local r <close> = bound("inet", "127.0.0.1")
      local x <close> = bound("inet", "127.0.0.1")
      local y <close> = bound("inet", "127.0.0.1")
      local host, port = r:getsockname()
      local order = { x, x, y, x, y, y }
      for i, s in ipairs(order) do
        assert.are.equal(1, s:sendto(tostring(i), host, port))
      end
      for i, s in ipairs(order) do
        assert.are.same({ tostring(i), "127.0.0.1", port_of(s) }, { r:recvfrom() })
      end
    end)
  end)
end)
