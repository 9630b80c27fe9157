-- psock.tcp: connect trying each address of a name, listen with reuseaddr
-- set.  Against a python3 server and client, the address list made to
-- fail first, a restart over TIME_WAIT, and misuse.
local psock = require "psock"
local tcp = require "psock.tcp"
local H = require "spec.support.helpers"
local P = require "spec.support.peers"

-- The body of a python3 server (P.python_server) that answers its
-- connection's first line with "hello <line>".
local PY_HELLO = [[
got = b""
while not got.endswith(b"\n"):
    chunk = conn.recv(100)
    if not chunk:
        break
    got += chunk
conn.sendall(b"hello " + got)
conn.close()
]]

-- Replace psock.getaddrinfo with one that returns `entries` while fn runs.
local function with_addresses(entries, fn)
  local real = psock.getaddrinfo
  psock.getaddrinfo = function() return entries end
  local ok, err = pcall(fn)
  psock.getaddrinfo = real
  assert(ok, err)
end

-- A port on 127.0.0.1 with nothing listening on it.
local function closed_port()
  return H.free_port()
end

describe("psock.tcp", function()

  describe("connect", function()

    it("reaches a python3 server and keeps the timeout it was given", function()
      local child <close> = P.python_server(PY_HELLO)
      local port = P.ready_port(child)
      local s <close> = assert(tcp.connect("127.0.0.1", port, 5))
      assert.equal("inet", s:family())
      assert.equal(5, s:gettimeout())
      assert(s:sendall("tcp\n"))
      assert.equal("hello tcp\n", P.recv_all(s))
    end)

    it("takes the port as digits and leaves a socket without a timeout blocking", function()
      local child <close> = P.python_server(PY_HELLO)
      local port = P.ready_port(child)
      local s <close> = assert(tcp.connect("127.0.0.1", tostring(port)))
      assert.is_nil(s:gettimeout())
      local _, peer_port = s:getpeername()
      assert.equal(port, peer_port)
    end)

    it("tries each address in turn and closes the ones that failed", function()
      local l <close> = assert(tcp.listen("127.0.0.1", 0))
      local _, port = l:getsockname()
      local refused = closed_port()
      local made, real_socket = {}, psock.socket
      psock.socket = function(...)
        local sock, msg, err = real_socket(...)
        made[#made + 1] = sock
        return sock, msg, err
      end
      local s
      with_addresses({
        { family = "inet", type = "stream", protocol = 6, host = "127.0.0.1", port = refused },
        { family = "inet", type = "stream", protocol = 6, host = "127.0.0.1", port = port },
      }, function()
        s = tcp.connect("two.addresses.invalid", port, 5)
      end)
      psock.socket = real_socket
      assert(s)
      local _, peer_port = s:getpeername()
      assert.equal(port, peer_port)
      assert.equal(2, #made)
      assert.equal("closed socket", psock.type(made[1]))  -- at once, not by the collector
      assert.equal(s, made[2])
      s:close()
    end)

    it("returns the last failure when every address fails", function()
      local first, last = closed_port(), closed_port()
      local ok, msg, err
      with_addresses({
        { family = "inet", type = "stream", protocol = 6, host = "127.0.0.1", port = first },
        { family = "inet", type = "stream", protocol = 6, host = "127.0.0.1", port = last },
      }, function()
        ok, msg, err = tcp.connect("two.addresses.invalid", 1)
      end)
      assert.is_nil(ok)
      assert.equal("Connection refused", msg)
      assert.equal(psock.ECONNREFUSED, err)
    end)

    it("returns nil, msg, errno for a refused connection", function()
      local ok, msg, err = tcp.connect("127.0.0.1", closed_port())
      assert.is_nil(ok)
      assert.equal("Connection refused", msg)
      assert.equal(psock.ECONNREFUSED, err)
    end)

    it("returns the resolver's message and code for a name that does not resolve", function()
      local ok, msg, code = tcp.connect("no.such.host.invalid", 80)
      assert.is_nil(ok)
      assert.is_string(msg)
      assert.is_true(code < 0)
    end)

    it("raises on wrong arguments", function()
      assert.has_error(function() tcp.connect(5, 80) end,
                       "bad argument #1 to 'connect' (string expected, got number)")
      assert.has_error(function() tcp.connect("127.0.0.1") end,
                       "bad argument #2 to 'connect' (port expected, got nil)")
      assert.has_error(function() tcp.connect("127.0.0.1", 1.5) end,
                       "bad argument #2 to 'connect' (port expected, got number)")
      assert.has_error(function() tcp.connect("127.0.0.1", 65536) end,
                       "bad argument #2 to 'connect' (port out of range)")
      assert.has_error(function() tcp.connect("127.0.0.1", "99999") end,
                       "bad argument #2 to 'connect' (port out of range)")
      assert.has_error(function() tcp.connect("127.0.0.1", 80, -1) end,
                       "bad argument #3 to 'connect' (timeout must be a non-negative number)")
      assert.has_error(function() tcp.connect("127.0.0.1", 80, 0 / 0) end,
                       "bad argument #3 to 'connect' (timeout must be a non-negative number)")
    end)
  end)

  describe("listen", function()

    it("listens with reuseaddr set, on a free port, for a python3 client", function()
      local l <close> = assert(tcp.listen("127.0.0.1", 0))
      assert.is_true(l:getopt("reuseaddr"))
      local host, port = l:getsockname()
      assert.equal("127.0.0.1", host)
      local child <close> = P.python([[
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(b"from python\n")
    print(s.recv(100).decode(), flush=True)
]], tostring(port))
      assert(l:settimeout(10))
      local c <close> = assert(l:accept())
      assert(c:settimeout(10))
      assert.equal("from python\n", c:recv())
      assert(c:sendall("back"))
      assert.equal("back", child:line())
    end)

    it("listens on ::1", function()
      if not H.have_ipv6() then
        pending("no ::1 here")
        return
      end
      local l <close> = assert(tcp.listen("::1", 0))
      assert.equal("inet6", l:family())
      local _, port = l:getsockname()
      local c <close> = assert(tcp.connect("::1", port, 5))
      assert.equal("inet6", c:family())
    end)

    it("binds again over a connection left in TIME_WAIT, where a plain bind cannot", function()
      local l = assert(tcp.listen("127.0.0.1", 0))
      local _, port = l:getsockname()
      local c <close> = assert(tcp.connect("127.0.0.1", port, 5))
      local a = assert(l:accept())
      a:close()   -- the server closes first: its end goes to TIME_WAIT
      assert(c:settimeout(5))
      assert.equal("", c:recv())
      c:close()
      l:close()
      local plain <close> = assert(psock.socket("inet", "stream"))
      local ok, _, err = plain:bind("127.0.0.1", port)
      assert.is_nil(ok)
      assert.equal(psock.EADDRINUSE, err)
      local again <close> = assert(tcp.listen("127.0.0.1", port))
      local _, again_port = again:getsockname()
      assert.equal(port, again_port)
    end)

    it("returns nil, msg, errno when the port has a listener", function()
      local l <close> = assert(tcp.listen("127.0.0.1", 0))
      local _, port = l:getsockname()
      local ok, msg, err = tcp.listen("127.0.0.1", port)
      assert.is_nil(ok)
      assert.equal("Address already in use", msg)
      assert.equal(psock.EADDRINUSE, err)
    end)

    it("takes a backlog", function()
      local l <close> = assert(tcp.listen("127.0.0.1", 0, 1))
      assert.is_true(l:getopt("acceptconn"))
    end)

    it("raises on wrong arguments", function()
      assert.has_error(function() tcp.listen(5, 0) end,
                       "bad argument #1 to 'listen' (string or nil expected, got number)")
      assert.has_error(function() tcp.listen("127.0.0.1", {}) end,
                       "bad argument #2 to 'listen' (port expected, got table)")
      assert.has_error(function() tcp.listen("127.0.0.1", -1) end,
                       "bad argument #2 to 'listen' (port out of range)")
      assert.has_error(function() tcp.listen("127.0.0.1", 0, "x") end,
                       "bad argument #3 to 'listen' (integer expected)")
    end)
  end)
end)
