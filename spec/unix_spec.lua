-- Unix-domain sockets: stream, dgram and seqpacket on filesystem paths in a
-- fresh temp dir and in the abstract namespace, socketpair, the limits of
-- sun_path, and python3, socat and nc peers in child processes.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.peers"

local function assert_fails(errno, ...)
  local value, msg, code = ...
  assert.is_nil(value)
  assert.are.equal(psock.errname(errno), psock.errname(code))
  assert.are.equal(psock.strerror(errno), msg)
end

-- A socket of this type bound to path, with a timeout so that a lost
-- message fails the test instead of hanging it.
local function bound(stype, path)
  local s = assert(psock.socket("unix", stype))
  assert.is_true(s:bind(path))
  assert.is_true(s:settimeout(10))
  return s
end

local function listening(stype, path)
  local s = bound(stype, path)
  assert.is_true(s:listen())
  return s
end

-- A connected client of this type, with a timeout.
local function connected(stype, path)
  local c = assert(psock.socket("unix", stype))
  assert.is_true(c:settimeout(10))
  assert.is_true(c:connect(path))
  return c
end

-- An abstract name no other run uses, with bytes after its leading zero
-- that include another zero and a high byte.
local function abstract(tag)
  return "\0" .. P.unique("psock-" .. tag) .. "\0\255x"
end

-- Whether a Lua error raised by fn mentions text.
local function raises(text, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "no error raised")
  assert.matches(text, tostring(err), 1, true)
end

-- A python3 stream server on a path: answers one line in upper case, then
-- reports the address the client had.
local PY_STREAM_SERVER = [[
import socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
srv.settimeout(15)
print("ready 0", flush=True)
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
print("peer", repr(addr), flush=True)
]]

describe("unix", function()
  local dir

  before_each(function()
    dir = H.tmpdir()
  end)

  after_each(function()
    H.rmdir(dir)
  end)

  describe("stream on a path", function()

    it("binds, accepts and names both ends", function()
      local path = dir .. "/stream.sock"
      local l <close> = listening("stream", path)
      assert.are.equal(path, l:getsockname())
      local c <close> = connected("stream", path)
      local a, peer = l:accept()
      local _ <close> = P.closing(a)
      assert.are.equal("socket", psock.type(a))
      assert.are.equal("unix", a:family())
      assert.are.equal("stream", a:type())
      assert.are.equal("", peer)
      assert.are.equal(path, c:getpeername())
      assert.are.equal("", c:getsockname())
      assert.are.equal(path, a:getsockname())
      assert.are.equal("", a:getpeername())
    end)

    it("gives the client's path when the client is bound", function()
      local path, mine = dir .. "/server.sock", dir .. "/client.sock"
      local l <close> = listening("stream", path)
      local c <close> = bound("stream", mine)
      assert.is_true(c:connect(path))
      local a, peer = l:accept()
      local _ <close> = P.closing(a)
      assert.are.equal(mine, peer)
      assert.are.equal(mine, a:getpeername())
      assert.are.equal(mine, c:getsockname())
    end)

    it("carries data both ways and ends with \"\"", function()
      local path = dir .. "/data.sock"
      local l <close> = listening("stream", path)
      local c <close> = connected("stream", path)
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(10))
      local data = P.pattern(100000)
      assert.are.equal(5, c:send("hello"))
      assert.are.equal("hello", a:recv())
      assert.is_true(a:sendall("he"))
      assert.are.equal("h", c:recv(1))
      assert.are.equal("e", c:recv(1))
      assert.is_true(c:sendall(data:sub(1, 50000)))
      assert.is_true(c:shutdown("w"))
      assert.are.equal(data:sub(1, 50000), P.recv_all(a))
      assert.is_true(a:sendall("after shutdown"))
      a:close()
      assert.are.equal("after shutdown", c:recv())
      assert.are.equal("", c:recv())
    end)

    it("reports ENOENT, ECONNREFUSED and EADDRINUSE", function()
      local path = dir .. "/gone.sock"
      local c <close> = assert(psock.socket("unix", "stream"))
      assert_fails(psock.ENOENT, c:connect(path))
      local l = listening("stream", path)
      local again <close> = assert(psock.socket("unix", "stream"))
      assert_fails(psock.EADDRINUSE, again:bind(path))
      l:close()  -- the file stays, with nobody behind it
      assert_fails(psock.ECONNREFUSED, c:connect(path))
    end)

    -- A blocking connect to a listener whose backlog is full waits until
    -- it is accepted; with a timeout it waits until the deadline (not
    -- EAGAIN, which is for settimeout(0)).  In a child lua5.4, so that a
    -- call that never returns fails the test instead of hanging the suite.
    it("bounds connect to a listener whose backlog is full", function()
      local out = H.lua_run(([[
local psock = require "psock"
local path = %q
local l = assert(psock.socket("unix", "stream"))
assert(l:bind(path))
assert(l:listen(0))
local clients = {}
local results, elapsed
for i = 1, 16 do
  clients[i] = assert(psock.socket("unix", "stream"))
  assert(clients[i]:settimeout(0.2))
  local start = psock.monotime()
  results = table.pack(clients[i]:connect(path))
  elapsed = psock.monotime() - start
  if not results[1] then break end
end
print(#clients < 16, results[1], results[2], results[3] == psock.ETIMEDOUT,
      elapsed >= 0.15 and elapsed < 2)
for _, c in ipairs(clients) do c:close() end
l:close()
]]):format(dir .. "/backlog.sock"), 10, true)
      assert.are.equal("true\tnil\ttimeout\ttrue\ttrue\n", out,
                       "fields: a connect failed, nil, message, ETIMEDOUT, " ..
                       "waited about 0.2 s")
    end)
  end)

  describe("dgram on a path", function()

    it("round trips with sendto and recvfrom, the path feeding back", function()
      local pa, pb = dir .. "/a.sock", dir .. "/b.sock"
      local a <close> = bound("dgram", pa)
      local b <close> = bound("dgram", pb)
      assert.are.equal(4, a:sendto("ping", pb))
      local data, from = b:recvfrom()
      assert.are.equal("ping", data)
      assert.are.equal(pa, from)
      assert.are.equal(4, b:sendto("pong", from))
      assert.are.same({ "pong", pb }, { a:recvfrom() })
    end)

    it("gives \"\" as the path of an unbound sender", function()
      local pb = dir .. "/b.sock"
      local a <close> = assert(psock.socket("unix", "dgram"))
      local b <close> = bound("dgram", pb)
      assert.are.equal(9, a:sendto("anonymous", pb))
      local data, from = b:recvfrom()
      assert.are.equal("anonymous", data)
      assert.are.equal("", from)
      assert.are.equal("", a:getsockname())
    end)

    it("connects, keeps boundaries and truncates to n", function()
      local pa, pb = dir .. "/a.sock", dir .. "/b.sock"
      local a <close> = bound("dgram", pa)
      local b <close> = bound("dgram", pb)
      assert.is_true(a:connect(pb))
      assert.are.equal(pb, a:getpeername())
      assert.are.equal(3, a:send("one"))
      assert.are.equal(0, a:send(""))
      assert.are.equal(26, a:send("abcdefghijklmnopqrstuvwxyz"))
      assert.are.equal(4, a:send("last"))
      assert.are.same({ "one", pa }, { b:recvfrom() })
      assert.are.same({ "", pa }, { b:recvfrom() })
      assert.are.equal("abcde", b:recv(5))
      assert.are.equal("last", b:recv())
    end)

    it("times out and goes non-blocking like other sockets", function()
      local a <close> = bound("dgram", dir .. "/a.sock")
      assert.is_true(a:settimeout(0.2))
      local elapsed, results = P.timed(function() return a:recvfrom() end)
      assert.are.same({ nil, "timeout", psock.ETIMEDOUT },
                      { results[1], results[2], results[3] })
      assert.is_true(elapsed >= 0.15, "returned after only " .. elapsed .. " s")
      assert.is_true(elapsed < 2, "returned after " .. elapsed .. " s")
      assert.is_true(a:settimeout(0))
      assert_fails(psock.EAGAIN, a:recv())
    end)

    -- Sending to a receiver whose queue is full waits, like a blocking
    -- send, until the deadline.  These run in a child lua5.4 so that a
    -- call that never returns fails the test instead of hanging the suite.
    local FULL_QUEUE = [[
local psock = require "psock"
local path, connect, timeout = %q, %s, %s
local r = assert(psock.socket("unix", "dgram"))
assert(r:bind(path))
local s = assert(psock.socket("unix", "dgram"))
if connect then assert(s:connect(path)) end
local function put()
  if connect then return s:send("x") end
  return s:sendto("x", path)
end
assert(s:settimeout(0))
local queued
for i = 1, 100000 do
  local n, _, err = put()
  if not n then
    assert(err == psock.EAGAIN, err)
    queued = i - 1
    break
  end
end
assert(queued and queued > 0, "the queue never filled")
assert(s:settimeout(timeout))
io.stdout:setvbuf("no")
local start = psock.monotime()
local n, msg, err = put()
local elapsed = psock.monotime() - start
print(n, msg, err == psock.ETIMEDOUT, elapsed >= 0.15 and elapsed < 2)
s:close()
r:close()
]]

    it("times out a send to a connected peer whose queue is full", function()
      local out, ok = H.lua_run(FULL_QUEUE:format(dir .. "/full.sock", "true", "0.2"),
                                10, true)
      assert.are.equal("nil\ttimeout\ttrue\ttrue\n", out,
                       ok and "" or "the child failed or was killed after 10 s")
    end)

    it("waits on a full queue with a huge finite timeout, as without one", function()
      -- (the seconds did not fit the kernel's timeval: EDOM at once)
      local chunk = dir .. "/huge.lua"
      for _, timeout in ipairs({ "1e19", "1e300" }) do
        H.write(chunk, FULL_QUEUE:format(dir .. "/full.sock", "true", timeout))
        local out, _, status = H.run("timeout 1 " .. H.lua .. " " .. chunk ..
                                     " 2>&1", 10, true)
        assert.are.equal("", out, "timeout " .. timeout)
        assert.are.equal(124, status, "the child should still be waiting after 1 s")
        os.remove(dir .. "/full.sock")
      end
    end)

    it("times out a sendto to a receiver whose queue is full", function()
      local out, ok = H.lua_run(FULL_QUEUE:format(dir .. "/full.sock", "false", "0.2"),
                                10, true)
      assert.are.equal("nil\ttimeout\ttrue\ttrue\n", out,
                       ok and "" or "the child failed or was killed after 10 s")
    end)
  end)

  describe("seqpacket on a path", function()

    it("keeps message boundaries and truncates to n", function()
      local path = dir .. "/seq.sock"
      local l <close> = listening("seqpacket", path)
      local c <close> = connected("seqpacket", path)
      local a, peer = l:accept()
      local _ <close> = P.closing(a)
      assert.are.equal("", peer)
      assert.are.equal("seqpacket", a:type())
      assert.are.equal(path, c:getpeername())
      assert.are.equal(5, c:send("first"))
      assert.are.equal(6, c:send("second"))
      assert.are.equal(26, c:send("abcdefghijklmnopqrstuvwxyz"))
      assert.are.equal(4, c:send("last"))
      assert.are.equal("first", a:recv())
      assert.are.equal("second", a:recv())
      assert.are.equal("abc", a:recv(3))
      assert.are.equal("last", a:recv())
      c:close()
      assert.are.equal("", a:recv())
    end)
  end)

  describe("abstract namespace", function()

    it("round trips a name with bytes after an embedded zero", function()
      local na, nb = abstract("a"), abstract("b")
      local a <close> = bound("dgram", na)
      local b <close> = bound("dgram", nb)
      assert.are.equal(na, a:getsockname())
      assert.are.equal(5, a:sendto("exact", nb))
      local data, from = b:recvfrom()
      assert.are.equal("exact", data)
      assert.are.equal(na, from)
      assert.are.equal(4, b:sendto("back", from))
      assert.are.same({ "back", nb }, { a:recvfrom() })
    end)

    it("is a different name from the same bytes cut at the zero", function()
      local name = abstract("cut")
      local s <close> = bound("dgram", name)
      local short = name:sub(1, name:find("\0", 2, true) - 1)
      local other <close> = bound("dgram", short)
      assert.are.equal(short, other:getsockname())
      assert.are.equal(name, s:getsockname())
    end)

    it("accepts a stream connection on an abstract name", function()
      local name = abstract("stream")
      local l <close> = listening("stream", name)
      local c <close> = connected("stream", name)
      local a <close> = assert(l:accept())
      assert.are.equal(name, c:getpeername())
      assert.are.equal(name, a:getsockname())
      assert.are.equal(3, c:send("abs"))
      assert.are.equal("abs", a:recv())
    end)

    it("takes a 108-byte name (leading zero included) and no longer", function()
      local head = "\0" .. P.unique("psock-long") .. "\0"
      local name = head .. string.rep("n", 108 - #head)
      assert.are.equal(108, #name)
      local l <close> = listening("stream", name)
      assert.are.equal(name, l:getsockname())
      local c <close> = connected("stream", name)
      assert.are.equal(name, c:getpeername())
      local a <close> = assert(l:accept())
      assert.are.equal(name, a:getsockname())
      local s <close> = assert(psock.socket("unix", "stream"))
      raises("AF_UNIX path too long", s.bind, s, name .. "x")
      raises("AF_UNIX path too long", s.connect, s, name .. "x")
      local d <close> = assert(psock.socket("unix", "dgram"))
      raises("AF_UNIX path too long", d.sendto, d, "data", name .. "x")
    end)

    it("autobinds a name when bound to \"\"", function()
      local b <close> = bound("dgram", dir .. "/b.sock")
      local a <close> = bound("dgram", "")
      local name = a:getsockname()
      assert.are.equal("\0", name:sub(1, 1))
      assert.is_true(#name > 1)
      assert.are.equal(4, a:sendto("auto", dir .. "/b.sock"))
      local data, from = b:recvfrom()
      assert.are.equal("auto", data)
      assert.are.equal(name, from)
      assert.are.equal(5, b:sendto("reply", from))
      assert.are.equal("reply", a:recv())
    end)
  end)

  describe("filesystem path limits", function()

    it("takes a 107-byte path and raises for 108", function()
      local path = dir .. "/" .. string.rep("p", 107 - #dir - 1)
      assert.are.equal(107, #path)
      local l <close> = listening("stream", path)
      assert.are.equal(path, l:getsockname())
      local c <close> = connected("stream", path)
      assert.are.equal(path, c:getpeername())
      local a <close> = assert(l:accept())
      assert.are.equal(path, a:getsockname())
      local long = path .. "q"
      local s <close> = assert(psock.socket("unix", "stream"))
      raises("AF_UNIX path too long", s.bind, s, long)
      raises("AF_UNIX path too long", s.connect, s, long)
      local d <close> = assert(psock.socket("unix", "dgram"))
      raises("AF_UNIX path too long", d.sendto, d, "data", long)
      assert.is_nil(H.read(long))
    end)

    it("raises for a zero byte inside a path", function()
      local path = dir .. "/a\0b"
      local s <close> = assert(psock.socket("unix", "stream"))
      raises("zero byte", s.bind, s, path)
      raises("zero byte", s.connect, s, path)
      local d <close> = assert(psock.socket("unix", "dgram"))
      raises("zero byte", d.sendto, d, "data", path)
      assert.is_nil(H.read(dir .. "/a"))
    end)
  end)

  describe("socketpair", function()

    it("makes a connected stream pair by default", function()
      local a, b = psock.socketpair()
      local _ <close> = P.closing(a, b)
      assert.are.equal("unix", a:family())
      assert.are.equal("stream", b:type())
      assert.are.equal("", a:getsockname())
      assert.are.equal("", a:getpeername())
      assert.is_true(a:sendall("ab"))
      assert.is_true(a:sendall("cd"))
      assert.are.equal(2, b:send("ef"))
      assert.are.equal("ef", a:recv())
      b:settimeout(10)
      local got = ""
      for _ = 1, 4 do
        got = got .. assert(b:recv(4 - #got))
        if #got == 4 then break end
      end
      assert.are.equal("abcd", got)
      a:close()
      assert.are.equal("", b:recv())
    end)

    it("makes a dgram pair that keeps boundaries", function()
      local a, b = psock.socketpair("unix", "dgram")
      local _ <close> = P.closing(a, b)
      assert.are.equal("dgram", a:type())
      assert.are.equal(2, a:send("ab"))
      assert.are.equal(2, a:send("cd"))
      assert.are.equal(0, a:send(""))
      assert.are.same({ "ab", "" }, { b:recvfrom() })
      assert.are.equal("c", b:recv(1))
      assert.are.equal("", b:recv())
    end)

    it("returns at most n bytes with MSG_TRUNC, which makes the kernel say more", function()
      local a, b = psock.socketpair("unix", "dgram")
      local _ <close> = P.closing(a, b)
      local big = string.rep("A", 60000)
      local bigger = string.rep("B", 100000)
      assert.is_true(a:setopt("sndbuf", 1 << 20))
      assert.is_true(b:setopt("rcvbuf", 1 << 20))
      for _ = 1, 4 do assert.are.equal(#big, a:send(big)) end
      assert.are.equal(#bigger, a:send(bigger))
      -- the kernel returns the datagram's length; psock what it copied
      assert.are.equal("AAAAAAAAAA", b:recv(10, psock.MSG_PEEK | psock.MSG_TRUNC))
      assert.are.equal("AAAAAAAAAA", b:recv(10, psock.MSG_TRUNC))
      assert.are.equal("AAAAAAAAAA", (b:recvfrom(10, psock.MSG_TRUNC)))
      local data, fds, flags = b:recvmsg(10, 0, psock.MSG_TRUNC)
      assert.are.equal("AAAAAAAAAA", data)
      assert.are.same({}, fds)
      assert.are.equal(psock.MSG_TRUNC, flags & psock.MSG_TRUNC)
      assert.are.equal(big, b:recv(70000, psock.MSG_TRUNC))
      assert.are.equal(string.rep("B", 70000), b:recv(70000, psock.MSG_TRUNC))
    end)

    it("makes a seqpacket pair that keeps boundaries", function()
      local a, b = psock.socketpair(psock.AF_UNIX, psock.SOCK_SEQPACKET)
      local _ <close> = P.closing(a, b)
      assert.are.equal("seqpacket", a:type())
      assert.are.equal(3, a:send("one"))
      assert.are.equal(3, a:send("two"))
      assert.are.equal(5, b:send("three"))
      assert.are.equal("one", b:recv())
      assert.are.equal("tw", b:recv(2))
      assert.are.equal("three", a:recv())
      b:settimeout(0)
      assert_fails(psock.EAGAIN, b:recv())  -- the "o" of "two" is gone
      a:close()
      assert.are.equal("", b:recv())
    end)
  end)

  describe("with python3 peers", function()

    it("talks to a python3 stream server, bound to a path", function()
      local path, mine = dir .. "/py.sock", dir .. "/me.sock"
      local child <close> = P.python(PY_STREAM_SERVER, H.shquote(path))
      P.ready_port(child)
      local c <close> = bound("stream", mine)
      assert.is_true(c:connect(path))
      assert.are.equal(path, c:getpeername())
      assert.is_true(c:sendall("hello python\n"))
      assert.are.equal("HELLO PYTHON\n", P.recv_all(c))
      assert.are.equal("peer '" .. mine .. "'", child:line())
    end)

    it("serves a python3 stream client", function()
      local path = dir .. "/lua.sock"
      local l <close> = listening("stream", path)
      local child <close> = P.python([[
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.settimeout(15)
c.connect(sys.argv[1])
print("ready 0", flush=True)
c.sendall(b"from python")
c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), c.getpeername(), flush=True)
]], H.shquote(path))
      P.ready_port(child)
      local a, peer = l:accept()
      local _ <close> = P.closing(a)
      assert(a, peer)
      assert.are.equal("", peer)
      assert.is_true(a:settimeout(10))
      assert.are.equal("from python", P.recv_all(a))
      assert.is_true(a:sendall("to python"))
      a:close()
      assert.are.equal("to python " .. path, child:line())
    end)

    it("exchanges datagrams with python3 on abstract names, exactly", function()
      local theirs, mine = abstract("py"), abstract("me")
      local child <close> = P.python([[
import socket, sys
name = bytes.fromhex(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(name)
s.settimeout(15)
print("ready 0", flush=True)
data, addr = s.recvfrom(65536)
s.sendto(data.upper(), addr)
print(addr.hex(), flush=True)
]], (theirs:gsub(".", function(c) return ("%02x"):format(c:byte()) end)))
      P.ready_port(child)
      local a <close> = bound("dgram", mine)
      assert.are.equal(6, a:sendto("abcdef", theirs))
      assert.are.same({ "ABCDEF", theirs }, { a:recvfrom() })
      local hex = mine:gsub(".", function(c) return ("%02x"):format(c:byte()) end)
      assert.are.equal(hex, child:line())
    end)
  end)

  describe("with socat and nc peers", function()

    it("serves socat - UNIX-CONNECT", function()
      local path = dir .. "/for-socat.sock"
      local l <close> = listening("stream", path)
      local child <close> = P.spawn("exec socat -t 15 - UNIX-CONNECT:" ..
        H.shquote(path) .. " <<'EOF'\nfrom socat\nEOF\n")
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(10))
      assert.are.equal("from socat\n", P.recv_all(a))
      assert.is_true(a:sendall("to socat\n"))
      a:close()
      assert.are.equal("to socat", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("talks to socat UNIX-LISTEN", function()
      local path = dir .. "/socat.sock"
      local child <close>, where = P.socat("-t 15 UNIX-LISTEN:" ..
        H.shquote(path) .. " -", "socat says hi\n")
      assert.matches(path, where, 1, true)
      local c <close> = connected("stream", path)
      assert.are.equal("socat says hi\n", P.recv_all(c))
      assert.is_true(c:sendall("psock says hi\n"))
      c:close()
      assert.are.equal("psock says hi", P.expect(child, "^(psock.*)$"))
    end)

    it("serves nc -U", function()
      local path = dir .. "/for-nc.sock"
      local l <close> = listening("stream", path)
      local child <close> = P.spawn("exec nc -N -U " .. H.shquote(path) ..
        " <<'EOF'\nfrom nc\nEOF\n")
      local a <close> = assert(l:accept())
      assert.is_true(a:settimeout(10))
      assert.are.equal("from nc\n", P.recv_all(a))
      assert.is_true(a:sendall("to nc\n"))
      a:close()
      assert.are.equal("to nc", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)

    it("connects to nc -lU", function()
      local path = dir .. "/nc.sock"
      local child <close> = P.spawn("exec nc -lU " .. H.shquote(path) ..
        " <<'EOF'\nnc listening\nEOF\n")
      -- nc says nothing when it listens: try until the connect succeeds
      local c <close> = H.eventually(function()
        local s = assert(psock.socket("unix", "stream"))
        if s:connect(path) then return s end
        s:close()
      end, 10)
      assert.are.equal("socket", psock.type(c))
      assert.is_true(c:settimeout(10))
      assert.are.equal("nc listening\n", c:recv())
      assert.is_true(c:sendall("psock connected\n"))
      c:close()
      assert.are.equal("psock connected", child:line())
      local _, ok = child:wait()
      assert.is_true(ok)
    end)
  end)
end)
