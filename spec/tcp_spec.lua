-- TCP over loopback: unit tests with both ends in this process, and
-- integration tests against python3, nc and socat peers in child processes.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.peers"

-- Generous bounds for a 0.2 s timeout: it must have waited, and not hung.
local function assert_timed_out(elapsed, results)
  assert.is_nil(results[1])
  assert.are.equal("timeout", results[2])
  assert.are.equal(psock.ETIMEDOUT, results[3])
  assert.is_true(elapsed >= 0.15, "returned after only " .. elapsed .. " s")
  assert.is_true(elapsed < 2, "returned after " .. elapsed .. " s")
end

local function assert_fails(errno, ...)
  local value, msg, code = ...
  assert.is_nil(value)
  assert.are.equal(psock.errname(errno), psock.errname(code))
  assert.are.equal(psock.strerror(errno), msg)
end

-- A python3 server: accepts one connection, reads one line, sends it back
-- in upper case, then reports the address it saw the client at.
local PY_UPPER_SERVER = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
srv = socket.socket(family, socket.SOCK_STREAM)
srv.bind((sys.argv[2], 0))
srv.listen(1)
srv.settimeout(15)
print("ready", srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.settimeout(15)
buf = b""
while not buf.endswith(b"\n"):
    chunk = conn.recv(4096)
    if not chunk:
        break
    buf += chunk
conn.sendall(buf.upper())
conn.close()
print("peer", addr[0], addr[1], flush=True)
]]

describe("tcp", function()

  describe("bind, listen, accept and connect", function()

    it("binds to port 0 and reads the chosen port back", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(s:bind("127.0.0.1", 0))
      local host, port = s:getsockname()
      assert.are.equal("127.0.0.1", host)
      assert.are.equal("integer", math.type(port))
      assert.is_true(port > 0 and port <= 65535)
      assert.is_true(s:listen())
      assert.is_true(s:listen(5))  -- listening again only changes the backlog
    end)

    it("accepts a connection and names the peer", function()
      local l <close>, port = H.listener()
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:connect("127.0.0.1", port))
      local a, host, peer_port = l:accept()
      local _ <close> = P.closing(a)
      assert.are.equal("socket", psock.type(a))
      assert.are.equal("inet", a:family())
      assert.are.equal("stream", a:type())
      local chost, cport = c:getsockname()
      assert.are.equal(chost, host)
      assert.are.equal(cport, peer_port)
      assert.are_not.equal(port, peer_port)
    end)

    it("gives matching getsockname and getpeername on both ends", function()
      local l <close>, port = H.listener()
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:connect("127.0.0.1", port))
      local a <close> = assert(l:accept())
      local ph, pp = c:getpeername()
      assert.are.equal("127.0.0.1", ph)
      assert.are.equal(port, pp)
      local ah, ap = a:getsockname()
      assert.are.equal("127.0.0.1", ah)
      assert.are.equal(port, ap)
      local ch, cp = c:getsockname()
      local rh, rp = a:getpeername()
      assert.are.equal(ch, rh)
      assert.are.equal(cp, rp)
    end)

    it("accepts several clients in the order they connected", function()
      local l <close>, port = H.listener()
      local clients, accepted = {}, {}
      local _ <close> = P.closing_all(clients)
      local _ <close> = P.closing_all(accepted)
      for i = 1, 3 do
        clients[i] = assert(psock.socket("inet", "stream"))
        assert.is_true(clients[i]:connect("127.0.0.1", port))
        assert.are.equal(1, clients[i]:send(tostring(i)))
      end
      for i = 1, 3 do
        local a, _, peer_port = l:accept()
        accepted[i] = assert(a)
        assert.are.equal(select(2, clients[i]:getsockname()), peer_port)
        assert.are.equal(tostring(i), a:recv())
      end
    end)

    it("returns nil, message, ECONNREFUSED when nobody listens", function()
      local c <close> = assert(psock.socket("inet", "stream"))
      assert_fails(psock.ECONNREFUSED, c:connect("127.0.0.1", H.free_port()))
    end)

    it("returns nil, message, EADDRINUSE for a port in use", function()
      local l <close>, port = H.listener()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert_fails(psock.EADDRINUSE, s:bind("127.0.0.1", port))
      assert.is_true(l:getopt("acceptconn"))
    end)

    it("returns ENOTCONN for the peer of an unconnected socket", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert_fails(psock.ENOTCONN, s:getpeername())
    end)

    it("takes \"localhost\" as a host", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(s:bind("localhost", 0))
      assert.is_true(s:listen())
      local host, port = s:getsockname()
      assert.are.equal("127.0.0.1", host)
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:connect("localhost", port))
      local a <close> = assert(s:accept())
      assert.are.same({ "127.0.0.1", port }, { c:getpeername() })
      assert.are.equal(3, c:send("abc"))
      assert.are.equal("abc", a:recv())
    end)
  end)

  describe("send and recv", function()

    it("carries small messages both ways", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.are.equal(5, c:send("hello"))
      assert.are.equal("hello", a:recv())
      assert.is_true(a:sendall("world, and more"))
      assert.are.equal("world", c:recv(5))
      assert.are.equal(", and more", c:recv())
      assert.are.equal(3, c:send("a\0b"))
      assert.are.equal("a\0b", a:recv())
    end)

    it("returns at most n bytes from recv(n)", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      local data = P.pattern(1000)
      assert.is_true(c:sendall(data))
      assert.is_true(c:shutdown("w"))
      local parts = {}
      for _ = 1, 2000 do
        local chunk = assert(a:recv(7))
        if chunk == "" then break end
        assert.is_true(#chunk <= 7, "recv(7) gave " .. #chunk .. " bytes")
        parts[#parts + 1] = chunk
      end
      assert.are.equal(data, table.concat(parts))
      assert.is_true(#parts >= 1000 // 7)
    end)

    it("returns \"\" at end of stream, every time", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(c:sendall("last words"))
      c:close()
      assert.are.equal("last words", a:recv())
      assert.are.equal("", a:recv())
      assert.are.equal("", a:recv(1))
      assert.are.equal("", a:recv(1 << 20))
    end)

    it("moves 8 MiB through partial sends and large receives", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      -- a small send buffer makes partial sends certain
      assert.is_true(c:setopt("sndbuf", 16384))
      assert.is_true(c:settimeout(0))
      assert.is_true(a:settimeout(0))
      local data = P.pattern(8 * 1024 * 1024)
      local window, n = 2 * 1024 * 1024, 1 << 20
      local sent, parts, got = 0, {}, 0
      local partial, would_block, biggest = false, false, 0
      local deadline = psock.monotime() + 60
      for _ = 1, 1000000 do
        if got == #data or psock.monotime() > deadline then break end
        if sent < #data then
          local piece = data:sub(sent + 1, sent + window)
          local count, msg, err = c:send(piece)
          if count then
            assert.is_true(count <= #piece)
            if count < #piece then partial = true end
            sent = sent + count
          else
            assert.are.equal(psock.EAGAIN, err, msg)
            would_block = true
          end
        end
        local chunk, msg, err = a:recv(n)
        if chunk then
          assert.are_not.equal("", chunk)
          assert.is_true(#chunk <= n)
          if #chunk > biggest then biggest = #chunk end
          parts[#parts + 1] = chunk
          got = got + #chunk
        else
          assert.are.equal(psock.EAGAIN, err, msg)
        end
      end
      assert.are.equal(#data, sent)
      assert.are.equal(#data, got)
      assert.is_true(partial or would_block, "every send was complete")
      assert.is_true(biggest > 0)
      assert.is_true(table.concat(parts) == data, "the data arrived changed")
    end)
  end)

  describe("shutdown", function()

    it("with \"w\" ends the stream for the peer, which can still send", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(c:sendall("request"))
      assert.is_true(c:shutdown("w"))
      assert.are.equal("request", a:recv())
      assert.are.equal("", a:recv())
      assert.is_true(a:sendall("response"))
      assert.are.equal("response", c:recv())
      assert_fails(psock.EPIPE, c:send("more"))
    end)

    it("takes psock.SHUT_WR like \"w\"", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(c:shutdown(psock.SHUT_WR))
      assert.are.equal("", a:recv())
      assert.is_true(a:sendall("still open"))
      assert.are.equal("still open", c:recv())
    end)

    it("with \"r\" ends reading on this side only", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(a:shutdown("r"))
      assert.are.equal("", a:recv())
      assert.is_true(a:sendall("one way"))
      assert.are.equal("one way", c:recv())
    end)

    it("with \"rw\" and SHUT_RDWR ends both directions", function()
      for _, how in ipairs({ "rw", psock.SHUT_RDWR }) do
        local c, a = H.tcp_pair()
        local _ <close> = P.closing(c, a)
        assert.is_true(c:shutdown(how))
        assert.are.equal("", a:recv())
        assert.are.equal("", c:recv())
        assert_fails(psock.EPIPE, c:send("x"))
      end
    end)

    it("returns ENOTCONN on an unconnected socket", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert_fails(psock.ENOTCONN, s:shutdown("rw"))
    end)

    it("raises for an unknown direction", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.has_error(function() c:shutdown("x") end)
      assert.has_error(function() c:shutdown() end)
    end)

    it("with \"w\" is seen by a python3 peer as EOF, still readable", function()
      local child <close> = P.python_server([[
got = b""
while True:
    chunk = conn.recv(4096)
    if not chunk:
        break
    got += chunk
print("eof after", len(got), flush=True)
conn.sendall(b"reply after eof: " + got)
conn.close()
]])
      local port = P.ready_port(child)
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:settimeout(15))
      assert.is_true(c:connect("127.0.0.1", port))
      assert.is_true(c:sendall("half closed"))
      assert.is_true(c:shutdown("w"))
      assert.are.equal("eof after 11", child:line())
      assert.are.equal("reply after eof: half closed", P.recv_all(c))
      local _, ok = child:wait()
      assert.is_true(ok)
    end)
  end)

  describe("timeouts", function()

    it("reads back the timeout with gettimeout", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      assert.is_nil(s:gettimeout())
      assert.is_true(s:settimeout(1.5))
      assert.are.equal(1.5, s:gettimeout())
      assert.is_true(s:settimeout(0))
      assert.are.equal(0, s:gettimeout())
      assert.is_true(s:settimeout(nil))
      assert.is_nil(s:gettimeout())
      assert.is_true(s:settimeout(2))
      assert.is_true(s:settimeout())
      assert.is_nil(s:gettimeout())
    end)

    it("ends a recv with no data after the timeout", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(a:settimeout(0.2))
      assert_timed_out(P.timed(function() return a:recv() end))
      -- the socket is still usable after a timeout
      assert.are.equal(4, c:send("late"))
      assert.are.equal("late", a:recv())
    end)

    it("makes calls non-blocking with settimeout(0)", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(a:settimeout(0))
      local elapsed, results = P.timed(function() return a:recv() end)
      assert.is_nil(results[1])
      assert.are.equal(psock.strerror(psock.EAGAIN), results[2])
      assert.are.equal(psock.EAGAIN, results[3])
      assert.is_true(elapsed < 1, "took " .. elapsed .. " s")
      assert.are.equal(2, c:send("ok"))
      assert.are.equal("ok", H.eventually(function() return a:recv() end))
    end)

    it("blocks again after settimeout(nil)", function()
      local l <close>, port = H.listener()
      local child <close> = P.python([[
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
print("ready 0", flush=True)
got = c.recv(100)
time.sleep(0.5)
c.sendall(b"late " + got)
c.close()
]], tostring(port))
      P.ready_port(child)
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(0.2))
      assert.is_true(a:settimeout(nil))
      assert.is_nil(a:gettimeout())
      assert.is_false(P.nonblocking(a:fileno()))
      assert.is_true(a:sendall("go"))
      -- the peer answers after 0.5 s: longer than the old 0.2 s timeout
      local elapsed, results = P.timed(function() return a:recv() end)
      assert.are.equal("late go", results[1])
      assert.is_true(elapsed >= 0.3, "returned after only " .. elapsed .. " s")
      child:wait()
    end)

    it("switches with setblocking", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(a:setblocking(false))
      assert.are.equal(0, a:gettimeout())
      assert_fails(psock.EAGAIN, a:recv())
      assert.is_true(a:setblocking(true))
      assert.is_nil(a:gettimeout())
      assert.is_false(P.nonblocking(a:fileno()))
      assert.are.equal(3, c:send("abc"))
      assert.are.equal("abc", a:recv())
    end)

    it("bounds accept", function()
      local l <close>, port = H.listener()
      assert.is_true(l:settimeout(0.2))
      assert_timed_out(P.timed(function() return l:accept() end))
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:connect("127.0.0.1", port))
      local a <close> = assert(l:accept())
      assert.are.equal("socket", psock.type(a))
      assert.is_true(l:settimeout(0))
      assert_fails(psock.EAGAIN, l:accept())
    end)

    it("bounds connect to a listener whose backlog is full", function()
      local l <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(l:bind("127.0.0.1", 0))
      assert.is_true(l:listen(1))
      local port = select(2, l:getsockname())
      local clients = {}
      local _ <close> = P.closing_all(clients)
      -- nothing accepts: once the queue is full, the SYN goes unanswered
      local elapsed, results
      for i = 1, 16 do
        clients[i] = assert(psock.socket("inet", "stream"))
        assert.is_true(clients[i]:settimeout(0.3))
        elapsed, results = P.timed(function()
          return clients[i]:connect("127.0.0.1", port)
        end)
        if results[1] == nil then break end
      end
      assert.is_true(#clients < 16, "no connect ever blocked")
      assert_timed_out(elapsed, results)
    end)

    it("connects in the background with settimeout(0)", function()
      local l <close>, port = H.listener()
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:settimeout(0))
      assert_fails(psock.EINPROGRESS, c:connect("127.0.0.1", port))
      local host = H.eventually(function() return (c:getpeername()) end)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(0, c:getopt("error"))
      local a <close> = assert(l:accept())
      assert.are.same({ c:getsockname() }, { a:getpeername() })
    end)

    it("reports a refused background connect through getopt(\"error\")",
       function()
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:settimeout(0))
      assert_fails(psock.EINPROGRESS, c:connect("127.0.0.1", H.free_port()))
      local err = H.eventually(function()
        local e = c:getopt("error")
        return e ~= 0 and e
      end)
      assert.are.equal(psock.ECONNREFUSED, err)
    end)

    it("ends a sendall to a peer that never reads, with bytes sent", function()
      local l <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(l:setopt("rcvbuf", 4096))
      assert.is_true(l:bind("127.0.0.1", 0))
      assert.is_true(l:listen())
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:setopt("sndbuf", 4096))
      assert.is_true(c:connect(l:getsockname()))
      local a <close> = assert(l:accept())
      assert.is_true(c:settimeout(0.3))
      local data = P.pattern(4 * 1024 * 1024)
      local elapsed, results = P.timed(function() return c:sendall(data) end)
      assert_timed_out(elapsed, results)
      local sent = results[4]
      assert.are.equal("integer", math.type(sent))
      assert.is_true(sent > 0 and sent < #data, "bytes sent: " .. sent)
      -- exactly what sendall counted reaches the peer
      assert.is_true(c:shutdown("w"))
      assert.is_true(a:settimeout(10))
      local got = assert(P.recv_all(a))
      assert.are.equal(sent, #got)
      assert.is_true(got == data:sub(1, sent), "the bytes that arrived differ")
    end)
  end)

  describe("broken connections", function()

    -- The peer resets the connection; the first sends may succeed or report
    -- the reset, then send reports a broken pipe.
    local function until_epipe(sock)
      local results
      for _ = 1, 50 do
        results = table.pack(sock:send("x"))
        if results[1] == nil and results[3] ~= psock.ECONNRESET then break end
      end
      return results
    end

    it("returns EPIPE instead of raising SIGPIPE", function()
      local c, a = H.tcp_pair()
      local _ <close> = P.closing(c, a)
      assert.is_true(a:setopt("linger", 0))
      a:close()
      local results = until_epipe(c)
      assert.is_nil(results[1])
      assert.are.equal("Broken pipe", results[2])
      assert.are.equal(psock.EPIPE, results[3])
      local ok, msg, err, sent = c:sendall("more data")
      assert.is_nil(ok)
      assert.are.equal("Broken pipe", msg)
      assert.are.equal(psock.EPIPE, err)
      assert.are.equal(0, sent)
    end)

    it("keeps a process with the default SIGPIPE action alive", function()
      local out, ok = P.lua_default_sigpipe([[
local psock = require "psock"
local l = assert(psock.socket("inet", "stream"))
assert(l:bind("127.0.0.1", 0))
assert(l:listen())
local c = assert(psock.socket("inet", "stream"))
assert(c:connect(l:getsockname()))
local a = assert(l:accept())
assert(a:setopt("linger", 0))
a:close()
local last
for _ = 1, 50 do
  local n, _, err = c:send("x")
  last = err
  if n == nil and err == psock.EPIPE then break end
end
local _, _, err = c:sendall("again")
print("survived", psock.errname(last), psock.errname(err))
c:close()
l:close()
]])
      assert.are.equal("survived\tEPIPE\tEPIPE\n", out)
      assert.is_true(ok)
    end)
  end)

  describe("with python3 peers", function()

    it("talks to a python3 server", function()
      local child <close> = P.python(PY_UPPER_SERVER, "4 127.0.0.1")
      local port = P.ready_port(child)
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:settimeout(15))
      assert.is_true(c:connect("127.0.0.1", port))
      assert.is_true(c:sendall("hello, python\n"))
      assert.are.equal("HELLO, PYTHON\n", P.recv_all(c))
      local host, cport = c:getsockname()
      assert.are.equal("peer " .. host .. " " .. cport, child:line())
    end)

    it("serves a python3 client", function()
      local l <close>, port = H.listener()
      assert.is_true(l:settimeout(15))
      local child <close> = P.python([[
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
print("ready", c.getsockname()[1], flush=True)
c.sendall(b"question")
c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), flush=True)
]], tostring(port))
      local client_port = P.ready_port(child)
      local a, host, peer_port = l:accept()
      local _ <close> = P.closing(a)
      assert(a, host)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(client_port, peer_port)
      assert.is_true(a:settimeout(15))
      assert.are.equal("question", P.recv_all(a))
      assert.is_true(a:sendall("answer to question"))
      a:close()
      assert.are.equal("answer to question", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("sendall()s 8 MiB to a python3 reader that counts it", function()
      local child <close> = P.python_server([[
import hashlib
h = hashlib.sha256()
count = 0
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    count += len(chunk)
    h.update(chunk)
print(count, h.hexdigest(), flush=True)
conn.close()
]], "", { limit = 60 }, 30)
      local port = P.ready_port(child)
      local data = P.pattern(8 * 1024 * 1024)
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:connect("127.0.0.1", port))
      assert.is_true(c:sendall(data))
      assert.is_true(c:shutdown("w"))
      assert.are.equal(#data .. " " .. P.sha256(data), child:line())
      assert.is_true(c:settimeout(15))
      assert.are.equal("", c:recv())
    end)

    it("receives 2 MiB from a python3 writer intact", function()
      local l <close>, port = H.listener()
      assert.is_true(l:settimeout(15))
      local child <close> = P.python([[
import hashlib, os, socket, sys
data = os.urandom(2 * 1024 * 1024)
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    reply += chunk
print("sent", len(data), hashlib.sha256(data).hexdigest(), flush=True)
print(reply.decode(), flush=True)
]], tostring(port), { limit = 60 })
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(30))
      local got = assert(P.recv_all(a))
      local digest = P.sha256(got)
      assert.is_true(a:sendall("got " .. #got))
      a:close()
      assert.are.equal("sent " .. #got .. " " .. digest, child:line())
      assert.are.equal("got " .. 2 * 1024 * 1024, child:line())
    end)
  end)

  describe("with nc and socat peers", function()

    it("serves nc -N", function()
      local l <close>, port = H.listener()
      assert.is_true(l:settimeout(15))
      local child <close> = P.spawn("exec nc -N 127.0.0.1 " .. port ..
        " <<'EOF'\nhello from nc\nEOF\n")
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(15))
      assert.are.equal("hello from nc\n", P.recv_all(a))
      assert.is_true(a:sendall("hello from psock\n"))
      a:close()
      assert.are.equal("hello from psock", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("serves a socat client", function()
      local l <close>, port = H.listener()
      assert.is_true(l:settimeout(15))
      local child <close> = P.spawn("exec socat -t 15 - TCP:127.0.0.1:" ..
        port .. " <<'EOF'\nfrom socat\nEOF\n")
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(15))
      local got = P.recv_all(a)
      assert.are.equal("from socat\n", got)
      assert.is_true(a:sendall("to socat: " .. got))
      a:close()
      assert.are.equal("to socat: from socat", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("talks to a socat server", function()
      local child <close>, where =
        P.socat("TCP-LISTEN:0,bind=127.0.0.1 EXEC:'tr a-z A-Z'")
      local port = assert(tonumber(where:match(":(%d+)$")), where)
      local c <close> = assert(psock.socket("inet", "stream"))
      assert.is_true(c:settimeout(15))
      assert.is_true(c:connect("127.0.0.1", port))
      assert.is_true(c:sendall("shout this\n"))
      assert.is_true(c:shutdown("w"))
      assert.are.equal("SHOUT THIS\n", P.recv_all(c))
      local _, ok = child:wait()
      assert.is_true(ok)
    end)
  end)

  describe("over IPv6", function()

    it("connects, accepts and names both ends on ::1", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local l <close>, port = H.listener("inet6", "::1")
      assert.are.same({ "::1", port }, { l:getsockname() })
      local c <close> = assert(psock.socket("inet6", "stream"))
      assert.are.equal("inet6", c:family())
      assert.is_true(c:connect("::1", port))
      local a, host, peer_port = l:accept()
      local _ <close> = P.closing(a)
      assert(a, host)
      assert.are.equal("::1", host)
      assert.are.same({ host, peer_port }, { c:getsockname() })
      assert.are.same({ "::1", port }, { c:getpeername() })
      assert.is_true(c:sendall("six"))
      assert.are.equal("six", a:recv())
    end)

    it("refuses a connection on ::1 with ECONNREFUSED", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local port
      do
        local s <close> = assert(psock.socket("inet6", "stream"))
        assert.is_true(s:bind("::1", 0))
        port = select(2, s:getsockname())
      end
      local c <close> = assert(psock.socket("inet6", "stream"))
      assert_fails(psock.ECONNREFUSED, c:connect("::1", port))
    end)

    it("talks to a python3 server on ::1", function()
      if not H.have_ipv6() then pending("::1 unavailable") end
      local child <close> = P.python(PY_UPPER_SERVER, "6 ::1")
      local port = P.ready_port(child)
      local c <close> = assert(psock.socket("inet6", "stream"))
      assert.is_true(c:settimeout(15))
      assert.is_true(c:connect("::1", port))
      assert.is_true(c:sendall("over six\n"))
      assert.are.equal("OVER SIX\n", P.recv_all(c))
      local host, cport = c:getsockname()
      assert.are.equal("peer " .. host .. " " .. cport, child:line())
    end)
  end)
end)
