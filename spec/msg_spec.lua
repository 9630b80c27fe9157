-- Messages beyond send/recv: descriptors passed with SCM_RIGHTS (sendmsg,
-- recvmsg, psock.fdopen), peer credentials, datagram batches (recvmmsg,
-- sendmmsg) and sendfile.  Both ends in this process where that is enough,
-- python3 peers for the other side of descriptor passing and batches, and
-- child lua5.4 processes where a mistake would kill the process (SIGPIPE)
-- or where system calls are counted under strace.
local psock = require "psock"
local H = require "spec.support.helpers"

-- ---- local helpers ----

-- Whether descriptor fd is open in this process.  Opening fdinfo/N looks
-- N up before the new descriptor is installed, so the check is right even
-- when the open below is given the number N itself.
local function fd_is_open(fd)
  local f = io.open("/proc/self/fdinfo/" .. fd, "r")
  if f then f:close() end
  return f ~= nil
end

-- The file position the kernel holds for descriptor fd.
local function fd_pos(fd)
  local text = assert(H.read("/proc/self/fdinfo/" .. fd), "no fdinfo for " .. fd)
  return tonumber(text:match("pos:%s*(%d+)"))
end

-- What descriptor fd of this process refers to (a path, "socket:[...]").
local function fd_target(fd)
  local out = H.run("readlink /proc/" .. H.pid() .. "/fd/" .. fd)
  return (out:gsub("%s+$", ""))
end

-- Close a bare integer descriptor: the only way from Lua is to wrap it in a
-- Lua file and close that.
local function close_fd(fd)
  local f = psock.fdopen(fd, "r") or psock.fdopen(fd, "w")
  assert(f, "cannot close descriptor " .. fd)
  f:close()
end

-- Everything a test opens, closed when the test's scope ends even when an
-- assertion fails first: sockets, Lua files, received integer descriptors.
-- A descriptor given to keep() is the bag's until open() turns it into a
-- Lua file (also the bag's) or close() closes it.
local function bag()
  local items, fds = {}, {}
  local b = {}
  function b.add(...)
    for i = 1, select("#", ...) do items[#items + 1] = (select(i, ...)) end
    return ...
  end
  function b.keep(list)
    for _, fd in ipairs(list) do fds[fd] = true end
    return list
  end
  function b.open(fd, mode)
    assert(fds[fd], "descriptor " .. fd .. " is not in the bag")
    local f, msg = psock.fdopen(fd, mode)
    assert(f, msg)
    fds[fd] = nil
    items[#items + 1] = f
    return f
  end
  function b.close(fd)
    assert(fds[fd], "descriptor " .. fd .. " is not in the bag")
    fds[fd] = nil
    close_fd(fd)
  end
  return setmetatable(b, { __close = function()
    for i = #items, 1, -1 do
      local x = items[i]
      if psock.type(x) == "socket" then
        x:close()
      elseif io.type(x) == "file" then
        x:close()
      end
    end
    for fd in pairs(fds) do close_fd(fd) end
  end })
end

-- A temp dir removed at scope end.
local function tempdir()
  local dir = H.tmpdir()
  return dir, setmetatable({}, { __close = function() H.rmdir(dir) end })
end

-- The error raised by fn(...), asserting that it raised one.
local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

-- Read exactly n bytes from a stream socket (fewer only at end of stream).
local function recv_exactly(sock, n)
  assert(sock:settimeout(10))
  local parts, got = {}, 0
  for _ = 1, 100000 do
    if got >= n then break end
    local data, msg = sock:recv(n - got)
    assert(data, msg)
    if data == "" then break end
    parts[#parts + 1] = data
    got = got + #data
  end
  return table.concat(parts)
end

-- Run a Lua chunk in a child lua5.4 (stderr merged into stdout) with
-- SIGPIPE at its default action, whatever the spec run inherited, so that
-- a SIGPIPE psock let through would kill it.  Returns stdout, ok, status.
local function lua_child(code, limit)
  local dir = H.tmpdir()
  local path = dir .. "/chunk.lua"
  H.write(path, code)
  local _, can_reset = H.run("env --default-signal=PIPE true")
  local out, ok, status = H.run((can_reset and "env --default-signal=PIPE " or "") ..
                                H.lua .. " " .. H.shquote(path) .. " 2>&1", limit, true)
  H.rmdir(dir)
  return out, ok, status
end

-- 200 bytes that say where they are: "000102...99".
local function pattern200()
  local t = {}
  for i = 0, 99 do t[#t + 1] = string.format("%02d", i) end
  return table.concat(t)
end

local function count_keys(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- The descriptors in `after` that were not in `before`.
local function new_fds(before, after)
  local extra = {}
  for fd in pairs(after) do
    if not before[fd] then extra[#extra + 1] = fd end
  end
  table.sort(extra)
  return extra
end

-- ---- descriptor passing ----

describe("sendmsg/recvmsg with descriptors", function()
  local dir
  before_each(function()
    dir = H.tmpdir()
  end)
  after_each(function()
    H.rmdir(dir)
  end)

  it("passes a socket, a Lua file and an integer descriptor over a socketpair", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local x, y = b.add(assert(psock.socketpair()))     -- x travels
    local u, w = b.add(assert(psock.socketpair()))     -- u travels as an integer
    local path = dir .. "/passed.txt"
    H.write(path, "contents of the passed file\n")
    local f = b.add(assert(io.open(path, "r")))

    assert.equal(5, a:sendmsg("three", { x, f, u:fileno() }))
    local data, fds, flags = z:recvmsg()
    assert.equal("three", data)
    assert.equal("table", type(fds))
    b.keep(fds)
    assert.equal(3, #fds)
    assert.equal("integer", math.type(flags))
    assert.equal(0, flags)
    for i, fd in ipairs(fds) do
      assert.equal("integer", math.type(fd), "descriptor " .. i)
      assert.is_true(fd_is_open(fd), "descriptor " .. i .. " is open")
      assert.is_true(H.cloexec(fd), "descriptor " .. i .. " is close-on-exec")
    end
    assert.are_not.equal(x:fileno(), fds[1])
    assert.are_not.equal(u:fileno(), fds[3])

    -- the socket: both directions work through the received copy
    local xs = b.add(assert(psock.fromfd(fds[1])))
    assert.equal("socket", psock.type(xs))
    assert.equal(17, xs:send("via passed socket"))
    y:settimeout(5)
    assert.equal("via passed socket", y:recv())
    assert.equal(4, y:send("back"))
    xs:settimeout(5)
    assert.equal("back", xs:recv())

    -- the file: a Lua file that reads it
    local fh = b.open(fds[2], "r")
    assert.equal("file", io.type(fh))
    assert.equal("contents of the passed file\n", fh:read("a"))

    -- the integer descriptor: the other socket
    local us = b.add(assert(psock.fromfd(fds[3])))
    assert.equal(2, us:send("ok"))
    w:settimeout(5)
    assert.equal("ok", w:recv())
  end)

  it("passes descriptors over a unix stream socket bound to a temp path", function()
    local b <close> = bag()
    local l = b.add(assert(psock.socket("unix", "stream")))
    assert.is_true(l:bind(dir .. "/sock"))
    assert.is_true(l:listen())
    local c = b.add(assert(psock.socket("unix", "stream")))
    assert.is_true(c:connect(dir .. "/sock"))
    l:settimeout(5)
    local conn = b.add(assert(l:accept()))
    local path = dir .. "/data.txt"
    H.write(path, "over a bound path\n")
    local f = b.add(assert(io.open(path, "r")))
    local x, y = b.add(assert(psock.socketpair()))

    assert.equal(4, c:sendmsg("path", { f, x }))
    conn:settimeout(5)
    local data, fds, flags = conn:recvmsg()
    b.keep(fds)
    assert.equal("path", data)
    assert.equal(0, flags)
    assert.equal(2, #fds)
    assert.equal(path, fd_target(fds[1]))
    assert.equal("over a bound path\n", b.open(fds[1], "r"):read("a"))
    local xs = b.add(assert(psock.fromfd(fds[2])))
    assert.equal(3, xs:send("hey"))
    y:settimeout(5)
    assert.equal("hey", y:recv())

    -- and back the other way, an integer descriptor
    assert.equal(4, conn:sendmsg("back", { y:fileno() }))
    c:settimeout(5)
    data, fds = c:recvmsg()
    b.keep(fds)
    assert.equal("back", data)
    assert.equal(1, #fds)
    local ys = b.add(assert(psock.fromfd(fds[1])))
    assert.equal(5, ys:send("hello"))
    x:settimeout(5)
    assert.equal("hello", x:recv())
  end)

  it("passes descriptors over a unix datagram socket bound to a temp path", function()
    local b <close> = bag()
    local r = b.add(assert(psock.socket("unix", "dgram")))
    assert.is_true(r:bind(dir .. "/dgram"))
    local s = b.add(assert(psock.socket("unix", "dgram")))
    assert.is_true(s:connect(dir .. "/dgram"))
    local path = dir .. "/d.txt"
    H.write(path, "datagram-borne\n")
    local f = b.add(assert(io.open(path, "r")))
    assert.equal(1, s:sendmsg("d", { f, f }))
    r:settimeout(5)
    local data, fds, flags = r:recvmsg()
    b.keep(fds)
    assert.equal("d", data)
    assert.equal(0, flags)
    assert.equal(2, #fds)
    assert.are_not.equal(fds[1], fds[2])
    assert.equal(path, fd_target(fds[1]))
    assert.equal(path, fd_target(fds[2]))
    assert.equal("datagram-borne\n", b.open(fds[2], "r"):read("a"))
  end)

  it("gives received files that close their descriptor, as io files do", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local path = dir .. "/c.txt"
    H.write(path, "line one\nline two\n")
    local f = b.add(assert(io.open(path, "r")))
    assert.equal(1, a:sendmsg("f", { f }))
    f:close()
    local _, fds = z:recvmsg()
    b.keep(fds)
    local fd = fds[1]
    assert.is_true(fd_is_open(fd))
    local fh = b.open(fd, "r")
    assert.equal("file", io.type(fh))
    assert.equal("line one", fh:read("l"))
    local lines = {}
    for line in fh:lines() do lines[#lines + 1] = line end
    assert.same({ "line two" }, lines)
    assert.is_true(fh:close())
    assert.equal("closed file", io.type(fh))
    assert.is_false(fd_is_open(fd), "closing the file closed descriptor " .. fd)
  end)

  it("makes received descriptors close-on-exec: a child does not inherit them", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local path = dir .. "/exec.txt"
    H.write(path, "x")
    local f = b.add(assert(io.open(path, "r")))
    assert.equal(1, a:sendmsg("e", { f, a }))
    local _, fds = z:recvmsg()
    b.keep(fds)
    assert.equal(2, #fds)
    for _, fd in ipairs(fds) do
      local info = assert(H.read("/proc/self/fdinfo/" .. fd))
      local flags = tonumber(info:match("flags:%s*(%d+)"), 8)
      assert.is_true(flags & tonumber("2000000", 8) ~= 0, "O_CLOEXEC on " .. fd)
      assert.is_true(H.cloexec(fd))
    end
    assert.equal(path, fd_target(fds[1]))
    -- the shell a child runs sees neither descriptor
    local out = H.run("readlink /proc/$$/fd/" .. fds[1] .. " /proc/$$/fd/" .. fds[2] ..
                      "; echo end")
    assert.is_nil(out:find(path, 1, true), out)
    assert.is_nil(out:find("socket:", 1, true), out)
    assert.matches("end", out)
  end)

  it("sets MSG_CTRUNC when more descriptors arrive than maxfds, leaking none", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local path = dir .. "/many.txt"
    H.write(path, "m")
    local f = b.add(assert(io.open(path, "r")))
    local before = H.open_fds()
    assert.equal(4, a:sendmsg("five", { f, f, f, f, f }))
    local data, fds, flags = z:recvmsg(100, 2)
    b.keep(fds)
    assert.equal("five", data)
    assert.equal(2, #fds)
    assert.equal("integer", math.type(flags))
    assert.equal(psock.MSG_CTRUNC, flags & psock.MSG_CTRUNC)
    assert.equal(path, fd_target(fds[1]))
    assert.equal(count_keys(before) + 2, count_keys(H.open_fds()))
    b.close(fds[1])
    b.close(fds[2])
    local after = H.open_fds()
    assert.same({}, new_fds(before, after), "descriptors left open")
    assert.equal(count_keys(before), count_keys(after))
  end)

  it("receives no descriptors with maxfds 0, and leaks none", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local x = b.add(assert(psock.socket("inet", "dgram")))
    local before = H.open_fds()
    assert.equal(4, a:sendmsg("zero", { x, x }))
    local data, fds, flags = z:recvmsg(100, 0)
    b.keep(fds)
    assert.equal("zero", data)
    assert.same({}, fds)
    assert.equal(psock.MSG_CTRUNC, flags & psock.MSG_CTRUNC)
    assert.same({}, new_fds(before, H.open_fds()))
    -- a message without descriptors: empty array, no flags
    assert.equal(5, a:sendmsg("plain", {}))
    data, fds, flags = z:recvmsg(100, 0)
    assert.equal("plain", data)
    assert.same({}, fds)
    assert.equal(0, flags)
    assert.equal(2, a:send("hi"))
    data, fds, flags = z:recvmsg()
    assert.equal("hi", data)
    assert.same({}, fds)
    assert.equal(0, flags)
  end)

  it("reports MSG_TRUNC for a datagram longer than n", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair("unix", "dgram")))
    assert.equal(11, a:sendmsg("hello world", {}))
    local data, fds, flags = z:recvmsg(5)
    assert.equal("hello", data)
    assert.same({}, fds)
    assert.equal(psock.MSG_TRUNC, flags & psock.MSG_TRUNC)
  end)

  it("passes up to 253 descriptors in one message", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local x = b.add(assert(psock.socket("inet", "dgram")))
    local before = H.open_fds()
    local list = {}
    for i = 1, 253 do list[i] = x end
    assert.equal(4, a:sendmsg("many", list))
    local data, fds, flags = z:recvmsg(100, 253)
    b.keep(fds)
    assert.equal("many", data)
    assert.equal(0, flags)
    assert.equal(253, #fds)
    for _, fd in ipairs(fds) do b.close(fd) end
    assert.same({}, new_fds(before, H.open_fds()))
  end)

  it("sends descriptors to a python3 peer that reads through them", function()
    local b <close> = bag()
    local l = b.add(assert(psock.socket("unix", "stream")))
    local sockpath = dir .. "/py.sock"
    assert.is_true(l:bind(sockpath))
    assert.is_true(l:listen())
    local path = dir .. "/for-python.txt"
    H.write(path, "read by python through a passed descriptor\n")
    local f = b.add(assert(io.open(path, "r")))
    local x, y = b.add(assert(psock.socketpair()))
    local child = H.python([[
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
msg, fds, flags, addr = socket.recv_fds(s, 1024, 8)
print("data", msg.decode())
print("nfds", len(fds))
with os.fdopen(fds[0], "r") as f:
    print("file", f.read().strip())
peer = socket.socket(fileno=fds[1])
peer.sendall(b"hello from python")
peer.close()
s.close()
]], H.shquote(sockpath))
    local ok, err = pcall(function()
      l:settimeout(10)
      local conn = b.add(assert(l:accept()))
      assert.equal(10, conn:sendmsg("take these", { f, x:fileno() }))
      assert.equal("data take these", child:line())
      assert.equal("nfds 2", child:line())
      assert.equal("file read by python through a passed descriptor", child:line())
      y:settimeout(10)
      assert.equal("hello from python", recv_exactly(y, 17))
    end)
    local _, exited, how, code = child:wait()
    assert(ok, err)
    assert.is_true(exited, how .. " " .. tostring(code))
  end)

  it("receives descriptors a python3 peer sends with send_fds", function()
    local b <close> = bag()
    local l = b.add(assert(psock.socket("unix", "stream")))
    local sockpath = dir .. "/py2.sock"
    assert.is_true(l:bind(sockpath))
    assert.is_true(l:listen())
    local path = dir .. "/from-python.txt"
    H.write(path, "a file python opened\n")
    local child = H.python([[
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = open(sys.argv[2], "rb")
a, b = socket.socketpair()
b.sendall(b"written by python")
socket.send_fds(s, [b"from python"], [f.fileno(), a.fileno()])
a.close()
f.close()
print("got", b.recv(100).decode())
b.close()
s.close()
]], H.shquote(sockpath) .. " " .. H.shquote(path))
    local ok, err = pcall(function()
      l:settimeout(10)
      local conn = b.add(assert(l:accept()))
      conn:settimeout(10)
      local data, fds, flags = conn:recvmsg()
      assert(data, fds)
      b.keep(fds)
      assert.equal("from python", data)
      assert.equal(0, flags)
      assert.equal(2, #fds)
      for _, fd in ipairs(fds) do
        assert.equal("integer", math.type(fd))
        assert.is_true(H.cloexec(fd))
      end
      local fh = b.open(fds[1], "r")
      assert.equal("file", io.type(fh))
      assert.equal("a file python opened\n", fh:read("a"))
      local s = b.add(assert(psock.fromfd(fds[2])))
      assert.equal("written by python", recv_exactly(s, 17))
      assert.equal(15, s:send("answer from lua"))
      assert.equal("got answer from lua", child:line())
    end)
    local _, exited, how, code = child:wait()
    assert(ok, err)
    assert.is_true(exited, how .. " " .. tostring(code))
  end)

  it("raises clear errors for bad descriptor arrays", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    for _, bad in ipairs({ "nope", 5, true }) do
      assert.matches("table expected", raises(function() return a:sendmsg("x", bad) end))
    end
    assert.matches("table expected", raises(function() return a:sendmsg("x") end))
    for _, case in ipairs({ { "str", "string" }, { 1.5, "number" }, { {}, "table" },
                            { true, "boolean" }, { -1, "number" } }) do
      local err = raises(function() return a:sendmsg("x", { case[1] }) end)
      assert.matches("sendmsg", err)
      assert.matches("socket, file or descriptor expected at index 1, got " .. case[2], err,
                     1, true)
    end
    -- a bad element after good ones is named by its index
    local err = raises(function() return a:sendmsg("x", { a, z, "three" }) end)
    assert.matches("at index 3", err, 1, true)

    local closed = assert(psock.socket("inet", "dgram"))
    closed:close()
    assert.matches("attempt to use a closed socket",
                   raises(function() return a:sendmsg("x", { a, closed }) end))
    local f = assert(io.open("/dev/null", "r"))
    f:close()
    assert.matches("attempt to use a closed file",
                   raises(function() return a:sendmsg("x", { f }) end))

    local list = {}
    for i = 1, 254 do list[i] = a end
    assert.matches("too many descriptors", raises(function() return a:sendmsg("x", list) end))
    for _, bad in ipairs({ -1, 254 }) do
      assert.matches("maxfds", raises(function() return z:recvmsg(10, bad) end))
    end
    -- where the kernel would drop the descriptors silently
    assert.matches("at least one byte of data",
                   raises(function() return a:sendmsg("", { z }) end))
    local u = b.add(assert(psock.socket("inet", "dgram")))
    assert.matches("only be passed on a unix socket",
                   raises(function() return u:sendmsg("x", { z }) end))
    assert.equal(0, a:sendmsg("", {}))   -- no descriptors: nothing to lose
    -- nothing was sent by any of the failed calls
    z:settimeout(0)
    local data, _, errno = z:recvmsg()
    assert.is_nil(data)
    assert.equal(psock.EAGAIN, errno)
  end)
end)

-- ---- credentials ----

describe("getpeercred", function()
  it("returns this process's pid, uid and gid on a socketpair", function()
    local a, z = assert(psock.socketpair())
    local pid, uid, gid = a:getpeercred()
    local pid2, uid2, gid2 = z:getpeercred()
    a:close()
    z:close()
    local stat = assert(H.read("/proc/self/stat"))
    local mypid = tonumber(stat:match("^(%d+)"))
    assert.equal(mypid, pid)
    assert.equal(tonumber((H.run("id -u"))), uid)
    assert.equal(tonumber((H.run("id -g"))), gid)
    assert.same({ pid, uid, gid }, { pid2, uid2, gid2 })
  end)

  it("returns the python3 peer's pid", function()
    local dir <const>, _ <close> = tempdir()
    local l <close> = assert(psock.socket("unix", "stream"))
    assert.is_true(l:bind(dir .. "/cred.sock"))
    assert.is_true(l:listen())
    local child = H.python([[
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
print(os.getpid(), os.getuid(), os.getgid())
s.recv(10)
s.close()
]], H.shquote(dir .. "/cred.sock"))
    local ok, err = pcall(function()
      l:settimeout(10)
      local conn <close> = assert(l:accept())
      local line = assert(child:line())
      local ppid, puid, pgid = line:match("^(%d+) (%d+) (%d+)$")
      local pid, uid, gid = conn:getpeercred()
      assert.equal(tonumber(ppid), pid)
      assert.are_not.equal(H.pid(), pid)
      assert.equal(tonumber(puid), uid)
      assert.equal(tonumber(pgid), gid)
      assert.equal(3, conn:send("bye"))
    end)
    local _, exited = child:wait()
    assert(ok, err)
    assert.is_true(exited)
  end)

  it("fails on a socket with no unix peer", function()
    local u <close> = assert(psock.socket("unix", "stream"))
    local t <close> = assert(psock.socket("inet", "stream"))
    local c, a = H.tcp_pair()
    local _ <close> = setmetatable({}, { __close = function() c:close(); a:close() end })
    for name, s in pairs({ unconnected_unix = u, unconnected_inet = t, tcp = c }) do
      local r1, msg, errno = s:getpeercred()
      assert.is_nil(r1, name .. ": got " .. tostring(r1))
      assert.equal("string", type(msg), name)
      assert.equal("integer", math.type(errno), name)
    end
    local closed, other = assert(psock.socketpair())
    closed:close()
    other:close()
    assert.matches("closed socket", raises(function() return closed:getpeercred() end))
  end)
end)

-- ---- datagram batches ----

describe("recvmmsg/sendmmsg", function()
  local function udp(b)
    local s = b.add(assert(psock.socket("inet", "dgram")))
    assert.is_true(s:bind("127.0.0.1", 0))
    return s, select(2, s:getsockname())
  end

  it("sends N datagrams with host/port arrays that arrive in one recvmmsg", function()
    local b <close> = bag()
    local r, rport = udp(b)
    local s, sport = udp(b)
    local datas, hosts, ports = {}, {}, {}
    for i = 1, 10 do
      datas[i] = string.rep(string.char(64 + i), i)
      hosts[i] = "127.0.0.1"
      ports[i] = rport
    end
    datas[5] = ""   -- an empty datagram is a datagram too
    assert.equal(10, s:sendmmsg(datas, hosts, ports))
    r:settimeout(5)
    local got, ghosts, gports = r:recvmmsg()
    assert.same(datas, got)
    assert.equal(10, #ghosts)
    assert.equal(10, #gports)
    for i = 1, 10 do
      assert.equal("127.0.0.1", ghosts[i])
      assert.equal(sport, gports[i])
      assert.equal("integer", math.type(gports[i]))
    end
  end)

  it("names each datagram's sender in a batch from several senders", function()
    local b <close> = bag()
    local r, rport = udp(b)
    local s1, p1 = udp(b)
    local s2, p2 = udp(b)
    for i = 1, 6 do
      assert((i % 2 == 1 and s1 or s2):sendto("d" .. i, "127.0.0.1", rport))
    end
    r:settimeout(5)
    local datas, hosts, ports = r:recvmmsg()
    assert.same({ "d1", "d2", "d3", "d4", "d5", "d6" }, datas)
    assert.same({ "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1",
                  "127.0.0.1" }, hosts)
    assert.same({ p1, p2, p1, p2, p1, p2 }, ports)
    -- a sender on another loopback address (the receiver stays on 127.0.0.1)
    local s3 = b.add(assert(psock.socket("inet", "dgram")))
    assert.is_true(s3:bind("127.0.0.2", 0))
    local _, p3 = s3:getsockname()
    assert(s3:sendto("a", "127.0.0.1", rport))
    assert(s1:sendto("b", "127.0.0.1", rport))
    assert(s1:sendto("c", "127.0.0.1", rport))
    assert(s3:sendto("d", "127.0.0.1", rport))
    datas, hosts, ports = r:recvmmsg()
    assert.same({ "a", "b", "c", "d" }, datas)
    assert.same({ "127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.2" }, hosts)
    assert.same({ p3, p1, p1, p3 }, ports)
  end)

  it("sends to several destinations in one batch", function()
    local b <close> = bag()
    local r1, p1 = udp(b)
    local r2, p2 = udp(b)
    local s = udp(b)
    assert.equal(4, s:sendmmsg({ "a1", "b1", "a2", "b2" },
                               { "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1" },
                               { p1, p2, p1, p2 }))
    r1:settimeout(5)
    r2:settimeout(5)
    assert.same({ "a1", "a2" }, (r1:recvmmsg()))
    assert.same({ "b1", "b2" }, (r2:recvmmsg()))
  end)

  it("sends without addresses on a connected socket, and honours count and n", function()
    local b <close> = bag()
    local r, rport = udp(b)
    local s, sport = udp(b)
    assert.is_true(s:connect("127.0.0.1", rport))
    assert.equal(3, s:sendmmsg({ "c1", "c2", "abcdefgh" }))
    assert.equal(1, s:sendmmsg({ "flagged" }, psock.MSG_DONTWAIT))
    r:settimeout(5)
    local got, hosts, ports = r:recvmmsg(2)
    assert.same({ "c1", "c2" }, got)
    assert.same({ "127.0.0.1", "127.0.0.1" }, hosts)
    assert.same({ sport, sport }, ports)
    got = r:recvmmsg(64, 3)
    assert.same({ "abc", "fla" }, got)
    assert.equal(0, s:sendmmsg({}))
  end)

  it("uses a paths array on unix datagram sockets, unnamed senders as \"\"", function()
    local dir <const>, _ <close> = tempdir()
    local b <close> = bag()
    local r = b.add(assert(psock.socket("unix", "dgram")))
    local rpath = dir .. "/r"
    assert.is_true(r:bind(rpath))
    local unnamed = b.add(assert(psock.socket("unix", "dgram")))
    local named = b.add(assert(psock.socket("unix", "dgram")))
    assert.is_true(named:bind(dir .. "/w"))
    assert.equal(2, unnamed:sendmmsg({ "u1", "u2" }, { rpath, rpath }))
    assert.equal(1, named:sendmmsg({ "w1" }, { rpath }))
    r:settimeout(5)
    local results = table.pack(r:recvmmsg())
    assert.equal(2, results.n, "datas and paths, no ports")
    assert.same({ "u1", "u2", "w1" }, results[1])
    assert.same({ "", "", dir .. "/w" }, results[2])
  end)

  it("returns nil, \"timeout\", ETIMEDOUT when nothing arrives in time", function()
    local b <close> = bag()
    local r = udp(b)
    assert.is_true(r:settimeout(0.05))
    local res, msg, errno = r:recvmmsg()
    assert.is_nil(res)
    assert.equal("timeout", msg)
    assert.equal(psock.ETIMEDOUT, errno)
    r:settimeout(0)
    res, msg, errno = r:recvmmsg(256, 65536)  -- exactly 16 MiB is allowed
    assert.is_nil(res)
    assert.equal("string", type(msg))
    assert.equal(psock.EAGAIN, errno)
  end)

  it("checks count and n", function()
    local b <close> = bag()
    local r = udp(b)
    for _, count in ipairs({ 0, -1, 1025 }) do
      assert.matches("count must be between 1 and 1024",
                     raises(function() return r:recvmmsg(count) end))
    end
    assert.matches("16 MiB", raises(function() return r:recvmmsg(1024, 65536) end))
    assert.matches("16 MiB", raises(function() return r:recvmmsg(2, 8 * 1024 * 1024 + 1) end))
    assert.matches("16 MiB", raises(function() return r:recvmmsg(257, 65536) end))
    local many = {}
    for i = 1, 1025 do many[i] = "x" end
    assert.matches("1024", raises(function() return r:sendmmsg(many) end))
  end)

  it("raises on bad datas, hosts and ports", function()
    local b <close> = bag()
    local r, rport = udp(b)
    local s = udp(b)
    local h2 = { "127.0.0.1", "127.0.0.1" }
    local p2 = { rport, rport }
    assert.matches("table expected", raises(function() return s:sendmmsg("x", h2, p2) end))
    local err = raises(function() return s:sendmmsg({ "a", 2 }, h2, p2) end)
    assert.matches("string expected at index 2, got number", err, 1, true)
    err = raises(function() return s:sendmmsg({ 1 }, { "127.0.0.1" }, { rport }) end)
    assert.matches("string expected at index 1, got number", err, 1, true)
    err = raises(function() return s:sendmmsg({ "a", {} }, h2, p2) end)
    assert.matches("string expected at index 2, got table", err, 1, true)
    assert.matches("#2 .*1 addresses for 2 datagrams", raises(function()
      return s:sendmmsg({ "a", "b" }, { "127.0.0.1" }, p2) end))
    assert.matches("#3 .*1 addresses for 2 datagrams", raises(function()
      return s:sendmmsg({ "a", "b" }, h2, { rport }) end))
    for _, bad in ipairs({ 65536, -1, 1e9 }) do
      assert.matches("port out of range", raises(function()
        return s:sendmmsg({ "a", "b" }, h2, { rport, bad }) end))
    end
    assert.matches("table expected", raises(function()
      return s:sendmmsg({ "a" }, { "127.0.0.1" }, "ports") end))
    -- nothing was sent by any of them
    r:settimeout(0)
    local data, _, errno = r:recvmmsg()
    assert.is_nil(data)
    assert.equal(psock.EAGAIN, errno)
  end)

  it("receives 100 datagrams from a python3 sender in a few calls", function()
    local b <close> = bag()
    local r, rport = udp(b)
    assert.is_true(r:setopt("rcvbuf", 1048576))  -- room for all 100 at once
    local child = H.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
for i in range(100):
    s.sendto(b"dgram %03d" % i, ("127.0.0.1", int(sys.argv[1])))
print("done")
s.close()
]], tostring(rport))
    local pyport = tonumber(child:line())
    local done = child:line()
    local _, exited = child:wait()
    assert.is_true(exited)
    assert.equal("done", done)
    r:settimeout(5)
    local all, calls = {}, 0
    while #all < 100 and calls < 20 do
      calls = calls + 1
      local datas, hosts, ports = r:recvmmsg(64)
      assert(datas, hosts)
      assert.is_true(#datas >= 1 and #datas <= 64)
      assert.equal(#datas, #hosts)
      assert.equal(#datas, #ports)
      for i, d in ipairs(datas) do
        all[#all + 1] = d
        assert.equal("127.0.0.1", hosts[i])
        assert.equal(pyport, ports[i])
      end
    end
    assert.equal(100, #all)
    for i = 1, 100 do
      assert.equal(string.format("dgram %03d", i - 1), all[i])
    end
    assert.is_true(calls >= 2 and calls <= 4, "calls: " .. calls)
  end)

  it("makes one sendmmsg and one recvmmsg system call for 64 datagrams (strace)", function()
    local dir <const>, _ <close> = tempdir()
    local chunk = dir .. "/batch.lua"
    local trace = dir .. "/trace.txt"
    H.write(chunk, [[
local psock = require "psock"
local r <close> = assert(psock.socket("inet", "dgram"))
assert(r:bind("127.0.0.1", 0))
local host, port = r:getsockname()
local s <close> = assert(psock.socket("inet", "dgram"))
local datas, hosts, ports = {}, {}, {}
for i = 1, 64 do datas[i] = "datagram " .. i; hosts[i] = host; ports[i] = port end
local sent = assert(s:sendmmsg(datas, hosts, ports))
r:settimeout(5)
local got = assert(r:recvmmsg(64))
print("sent " .. sent .. " received " .. #got .. " last " .. got[#got])
]])
    local out, ok = H.run("strace -f -qq -o " .. H.shquote(trace) ..
                          " -e trace=recvmmsg,sendmmsg,recvfrom,sendto " ..
                          H.lua .. " " .. H.shquote(chunk), 30, true)
    assert.is_true(ok, out)
    assert.equal("sent 64 received 64 last datagram 64\n", out)
    local text = assert(H.read(trace))
    local calls = { sendmmsg = {}, recvmmsg = {}, sendto = {}, recvfrom = {} }
    for line in text:gmatch("[^\n]+") do
      local name = line:match("^%d*%s*(%a+)%(")
      if name and calls[name] then
        table.insert(calls[name], tonumber(line:match("=%s*(%-?%d+)%s*$")))
      end
    end
    assert.same({ 64 }, calls.sendmmsg, text)
    assert.same({ 64 }, calls.recvmmsg, text)
    assert.same({}, calls.sendto, text)
    assert.same({}, calls.recvfrom, text)
  end)

  -- Lua code that runs in the middle of a batch: __index methods of the
  -- arrays, and finalizers run by the allocations of the results.  Both
  -- call psock, which may reuse or grow the buffer the batch is in.
  it("sends the right bytes when the datas array's __index runs Lua code", function()
    local b <close> = bag()
    local r, rport = udp(b)
    local s = udp(b)
    local x, xport = udp(b)
    x:settimeout(0)
    for _ = 1, 3 do assert(s:sendto(string.rep("q", 60000), "127.0.0.1", xport)) end
    local function payload(i) return "payload " .. i .. " " .. string.rep("z", 200) end
    local datas = setmetatable({}, {
      __len = function() return 6 end,
      __index = function(_, i)
        collectgarbage()             -- the earlier strings must stay alive
        x:recvmmsg(4, 1000000 + i)   -- a batch larger than any before
        return payload(i)
      end,
    })
    local hosts, ports = {}, {}
    for i = 1, 6 do hosts[i], ports[i] = "127.0.0.1", rport end
    assert.equal(6, s:sendmmsg(datas, hosts, ports))
    r:settimeout(5)
    local got = r:recvmmsg(64)
    assert.equal(6, #got)
    for i = 1, 6 do assert.equal(payload(i), got[i]) end
  end)

  -- In a child lua5.4: how often finalizers run inside a call depends on
  -- the collector's state, which a fresh process makes the same each time.
  it("returns the datagrams it received when finalizers call psock meanwhile", function()
    local out, ok = H.lua_run([[
local psock = require "psock"
local function udp()
  local s = assert(psock.socket("inet", "dgram"))
  assert(s:bind("127.0.0.1", 0))
  return s, select(2, s:getsockname())
end
local r, rport = udp()
local s = udp()
assert(s:connect("127.0.0.1", rport))
local inner, innerport = udp()
local innersend = udp()
assert(innersend:connect("127.0.0.1", innerport))
local _, other = psock.socketpair()
other:settimeout(0)
local inside, fired = false, 0
local mt = { __gc = function()
  if inside then
    fired = fired + 1
    innersend:send(string.rep("i", 16))
    inner:recvmmsg(1, 16)          -- a batch inside the batch
    other:recv(1000000 + fired)    -- then a larger buffer than any before
  end
end }
local ok = true
for _ = 1, 30 do   -- (from about the tenth round on, they do run inside)
  for i = 1, 64 do assert(s:send(string.rep("m", 10) .. i)) end
  for _ = 1, 2000 do setmetatable({}, mt) end
  collectgarbage("incremental", 1, 1000)   -- finalizers at every step
  inside = true
  local got = r:recvmmsg(64, 16)
  inside = false
  collectgarbage("incremental", 200, 100)
  ok = ok and #got == 64
  for i = 1, 64 do ok = ok and got[i] == string.rep("m", 10) .. i end
end
print(fired > 0, ok)
]], 60, true)
    assert.equal("true\ttrue\n", out, ok and "" or "the child failed")
  end)

  it("reads its flags after nil address arrays, and checks the arrays", function()
    local b <close> = bag()
    local _, rport = udp(b)
    local s = udp(b)
    local h = "127.0.0.1"
    local n, _, code = s:sendmmsg({ "x" }, nil, nil, psock.MSG_OOB)
    assert.is_nil(n)
    assert.equal(psock.EOPNOTSUPP, code)
    assert.error_matches(function() s:sendmmsg({ "x" }, nil, nil, -1) end,
                         "flags out of range")
    assert.error_matches(function() s:sendmmsg({ "x" }, h, rport) end,
                         "array of hosts or flags expected, got string")
    assert.error_matches(function() s:sendmmsg({ "x", "y" }, { h }, { rport, rport }) end,
                         "#2 .*1 addresses for 2 datagrams")
    assert.error_matches(function() s:sendmmsg({ "x", "y" }, { h, h }, { rport }) end,
                         "#3 .*1 addresses for 2 datagrams")
    assert.error_matches(function() s:sendmmsg({ "x" }, nil, { rport }) end,
                         "nil expected, as argument 3 is nil")
    local u = b.add(assert(psock.socket("unix", "dgram")))
    assert.error_matches(function() u:sendmmsg({ "x" }, "/tmp/x") end,
                         "array of paths or flags expected, got string")
  end)
end)

-- ---- sendfile ----

describe("sendfile", function()
  local dir, path, content
  before_each(function()
    dir = H.tmpdir()
    path = dir .. "/file.bin"
    content = pattern200()
    H.write(path, content)
  end)
  after_each(function()
    H.rmdir(dir)
  end)

  it("sends from the file's position to its end and advances the position", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local f = b.add(assert(io.open(path, "rb")))
    assert.equal(content:sub(1, 10), f:read(10))
    assert.equal(190, a:sendfile(f))
    assert.equal(200, f:seek())
    assert.equal(content:sub(11), recv_exactly(z, 190))
    assert.is_nil(f:read(1))
    -- from the start
    assert.equal(0, f:seek("set", 0))
    assert.equal(200, a:sendfile(f))
    assert.equal(content, recv_exactly(z, 200))
    assert.equal(200, f:seek())
  end)

  it("takes an explicit offset and count, and sends what there is past EOF", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local f = b.add(assert(io.open(path, "rb")))
    assert.equal(content:sub(1, 4), f:read(4))   -- fills the stdio buffer
    assert.equal(10, a:sendfile(f, 5, 10))
    assert.equal(content:sub(6, 15), recv_exactly(z, 10))
    assert.equal(15, f:seek())
    assert.equal(content:sub(16, 20), f:read(5))  -- the buffer follows
    assert.equal(10, a:sendfile(f, 190, 100))
    assert.equal(content:sub(191, 200), recv_exactly(z, 10))
    assert.equal(200, f:seek())
    assert.equal(30, a:sendfile(f, 170))
    assert.equal(content:sub(171), recv_exactly(z, 30))
    assert.equal(0, a:sendfile(f, 50, 0))
    assert.equal(50, f:seek())
    assert.equal(0, a:sendfile(f, 250))
    assert.equal(250, f:seek())
    assert.is_nil(f:read(1))
    z:settimeout(0)
    local data, _, errno = z:recv()
    assert.is_nil(data, "no more bytes were sent")
    assert.equal(psock.EAGAIN, errno)
  end)

  it("sends a large file to a python3 reader over TCP", function()
    local b <close> = bag()
    local big = dir .. "/big.bin"
    local parts = {}
    for i = 1, 4096 do parts[i] = string.format("%07d ", i) .. string.rep("x", 248) end
    H.write(big, table.concat(parts))  -- 1 MiB
    local l, port = H.listener()
    b.add(l)
    local child = H.python([[
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
chunks = []
while True:
    data = s.recv(65536)
    if not data:
        break
    chunks.append(data)
s.close()
data = b"".join(chunks)
expected = open(sys.argv[2], "rb").read()[int(sys.argv[3]):]
print("bytes", len(data))
print("match", data == expected)
print("head", data[:8].decode())
]], port .. " " .. H.shquote(big) .. " 256")
    local ok, err = pcall(function()
      l:settimeout(10)
      local conn = b.add(assert(l:accept()))
      conn:settimeout(20)
      local f = b.add(assert(io.open(big, "rb")))
      assert.equal(256, #f:read(256))
      assert.equal(1048576 - 256, conn:sendfile(f))
      assert.equal(1048576, f:seek())
      conn:close()
      assert.equal("bytes " .. (1048576 - 256), child:line())
      assert.equal("match True", child:line())
      assert.equal("head 0000002 ", child:line())
    end)
    local _, exited = child:wait()
    assert(ok, err)
    assert.is_true(exited)
  end)

  it("sends from an integer descriptor that recvmsg gave", function()
    local b <close> = bag()
    local a, z = b.add(assert(psock.socketpair()))
    local x, y = b.add(assert(psock.socketpair()))
    local f = assert(io.open(path, "rb"))
    assert.equal(1, x:sendmsg("f", { f }))
    f:close()
    local _, fds = y:recvmsg()
    b.keep(fds)
    local fd = fds[1]
    assert.equal(0, fd_pos(fd))
    assert.equal(200, a:sendfile(fd))
    assert.equal(content, recv_exactly(z, 200))
    assert.equal(200, fd_pos(fd))
    assert.equal(20, a:sendfile(fd, 50, 20))
    assert.equal(content:sub(51, 70), recv_exactly(z, 20))
    assert.equal(70, fd_pos(fd))
    assert.equal(130, a:sendfile(fd))
    assert.equal(content:sub(71), recv_exactly(z, 130))
    assert.equal(200, fd_pos(fd))
    -- and the same descriptor as a Lua file from fdopen
    local fh = b.open(fd, "rb")
    assert.equal(0, fh:seek("set", 0))
    assert.equal(content:sub(1, 7), fh:read(7))
    assert.equal(193, a:sendfile(fh))
    assert.equal(content:sub(8), recv_exactly(z, 193))
  end)

  it("returns nil, \"Broken pipe\", EPIPE, 0 to a closed peer; SIGPIPE does not kill", function()
    local chunk = string.format([[
local psock = require "psock"
local function status(field)
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return assert(text:match(field .. ":%%s*(%%x+)"), field)
end
print("sigign " .. status("SigIgn"))
local before = status("SigPnd") .. "/" .. status("ShdPnd") .. "/" .. status("SigBlk")
local a, b = assert(psock.socketpair())
b:close()
local f = assert(io.open(%q, "rb"))
local r, msg, errno, sent = a:sendfile(f)
print("result " .. tostring(r) .. " " .. tostring(msg) .. " " .. tostring(errno) ..
      " " .. tostring(sent))
print("position " .. f:seek())
local after = status("SigPnd") .. "/" .. status("ShdPnd") .. "/" .. status("SigBlk")
print("signals " .. before .. " " .. after)
f:close()
a:close()
print("alive")
]], path)
    local out, ok, code = lua_child(chunk, 20)
    assert.is_true(ok, "child died: " .. tostring(code) .. "\n" .. out)
    assert.equal(0, code)
    local sigign = assert(out:match("sigign (%x+)"), out)
    assert.equal(0, tonumber(sigign, 16) & (1 << 12), "SIGPIPE must not be ignored")
    assert.matches("result nil Broken pipe " .. psock.EPIPE .. " 0\n", out, 1, true)
    assert.matches("position 0\n", out, 1, true)
    local before, after = out:match("signals (%S+) (%S+)")
    assert.equal("0000000000000000/0000000000000000/0000000000000000", before)
    assert.equal(before, after)
    assert.matches("alive\n$", out)
  end)

  -- A reader that takes 1000 bytes and closes while sendfile is still
  -- writing: the call has sent something and the kernel raises SIGPIPE for
  -- the rest.  Whether the close lands inside one sendfile(2) call or
  -- between two is a matter of timing: a large send buffer makes one call
  -- long, the reader polls without sleeping so that it closes early, and
  -- the child repeats it.
  it("reports the bytes sent before readers closed mid-transfer (child process)", function()
    local rounds = 50
    local size = 16 * 1048576
    local big = dir .. "/big.bin"
    H.write(big, string.rep("0123456789abcdef", size // 16))
    local sockpath = dir .. "/mid.sock"
    local pyfile = dir .. "/reader.py"
    local pidfile = dir .. "/reader.pid"
    H.write(pyfile, [[
import os, socket, sys, time
with open(sys.argv[2], "w") as f:
    f.write(str(os.getpid()))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
s.settimeout(2)
print("ready", flush=True)
served = 0
try:
    for i in range(int(sys.argv[3])):
        c, _ = s.accept()
        c.setblocking(False)
        n = 0
        deadline = time.monotonic() + 5
        while n < 1000 and time.monotonic() < deadline:
            try:
                data = c.recv(1000 - n)
            except BlockingIOError:
                continue
            if not data:
                break
            n += len(data)
        c.close()
        if n == 1000:
            served += 1
except OSError:
    pass
s.close()
print("served", served, flush=True)
]])
    local chunk = string.format([[
local psock = require "psock"
local function status(field)
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return assert(text:match(field .. ":%%s*(%%x+)"), field)
end
local before = status("SigPnd") .. "/" .. status("ShdPnd") .. "/" .. status("SigBlk")
local rounds, size = %d, %d
local p = assert(io.popen("exec env -u LD_PRELOAD timeout -s KILL 30 python3 %s %s %s " ..
                          rounds .. " 2>/dev/null"))
assert(p:read("l") == "ready", "reader did not start")
local f <close> = assert(io.open(%q, "rb"))
local good, bad = 0, nil
for i = 1, rounds do
  local c <close> = assert(psock.socket("unix", "stream"))
  assert(c:setopt("sndbuf", 8 * 1048576))
  assert(c:connect(%q))
  c:settimeout(10)
  local r, msg, errno, sent = c:sendfile(f, 0)
  local position = f:seek()
  if r == nil and (errno == psock.EPIPE or errno == psock.ECONNRESET)
     and msg == psock.strerror(errno) and math.type(sent) == "integer"
     and sent >= 1000 and sent < size and position == sent then
    good = good + 1
  elseif not bad then
    bad = string.format("round %%d: %%s %%s %%s %%s position %%s", i, tostring(r),
                        tostring(msg), tostring(errno), tostring(sent), tostring(position))
  end
end
print("good " .. good)
print("bad " .. tostring(bad))
print("reader " .. tostring(p:read("a")):gsub("%%s+$", ""))
p:close()
local after = status("SigPnd") .. "/" .. status("ShdPnd") .. "/" .. status("SigBlk")
print("signals " .. before .. " " .. after)
print("alive")
]], rounds, size, H.shquote(pyfile), H.shquote(sockpath), H.shquote(pidfile), big, sockpath)
    local out, ok, code = lua_child(chunk, 60)
    -- a reader left behind by a child that died is stopped here
    local pid = tonumber(H.read(pidfile) or "")
    if pid then H.run("kill " .. pid .. " 2>/dev/null") end
    assert.is_true(ok, "child died (exit status " .. tostring(code) ..
                   (code == 141 and ": SIGPIPE" or "") .. ")\n" .. out)
    assert.matches("good " .. rounds .. "\n", out, 1, true)
    assert.matches("bad nil\n", out, 1, true)
    assert.matches("reader served " .. rounds .. "\n", out, 1, true)
    local before, after = out:match("signals (%S+) (%S+)")
    assert.is_truthy(before, out)
    assert.equal(before, after)
    assert.matches("alive\n$", out)
  end)

  it("raises for a closed file, a non-file and bad offsets", function()
    local b <close> = bag()
    local a = b.add(assert(psock.socketpair()))
    local f = assert(io.open(path, "rb"))
    f:close()
    assert.matches("attempt to use a closed file", raises(function() return a:sendfile(f) end))
    for _, bad in ipairs({ "file.bin", {}, 1.5, -1, true }) do
      assert.matches("file or descriptor expected",
                     raises(function() return a:sendfile(bad) end))
    end
    assert.matches("file or descriptor expected", raises(function() return a:sendfile() end))
    local g = b.add(assert(io.open(path, "rb")))
    assert.matches("offset", raises(function() return a:sendfile(g, -1) end))
    assert.matches("count", raises(function() return a:sendfile(g, 0, -5) end))
    assert.matches("number expected", raises(function() return a:sendfile(g, "x") end))
    -- a device has no size to run to: the count must be given
    local zero = b.add(assert(io.open("/dev/zero", "rb")))
    assert.matches("count needed: the input is not a regular file",
                   raises(function() return a:sendfile(zero) end), 1, true)
    assert.equal(10, a:sendfile(zero, 0, 10))
    local closed = assert(psock.socket("inet", "stream"))
    closed:close()
    assert.matches("closed socket", raises(function() return closed:sendfile(g) end))
  end)
end)

-- ---- psock.fdopen ----

describe("psock.fdopen", function()
  local dir, path
  before_each(function()
    dir = H.tmpdir()
    path = dir .. "/f.txt"
    H.write(path, "first\n")
  end)
  after_each(function()
    H.rmdir(dir)
  end)

  -- A fresh descriptor (its own offset) for the file, opened read-write
  -- and passed through a socketpair.
  local function received_fd(b)
    local a, z = b.add(assert(psock.socketpair()))
    local f = assert(io.open(path, "r+"))
    assert.equal(1, a:sendmsg("f", { f }))
    f:close()
    local _, fds = z:recvmsg()
    assert.equal(1, #fds)
    b.keep(fds)
    return fds[1]
  end

  it("opens received descriptors in modes r, rb, w and a+", function()
    local b <close> = bag()
    for _, mode in ipairs({ "r", "rb" }) do
      local fh = b.open(received_fd(b), mode)
      assert.equal("file", io.type(fh))
      assert.equal("first\n", fh:read("a"), mode)
      fh:close()
    end
    local fh = b.open(received_fd(b), "w")
    assert.equal("file", io.type(fh))
    assert.equal(fh, fh:write("FIRST"))
    fh:close()
    assert.equal("FIRST\n", H.read(path))
    fh = b.open(received_fd(b), "a+")
    assert.equal(fh, fh:write("second\n"))
    assert.equal(0, fh:seek("set", 0))
    assert.equal("FIRST\nsecond\n", fh:read("a"))
    fh:close()
    assert.equal("FIRST\nsecond\n", H.read(path))
  end)

  it("raises for bad modes and descriptors, and fails on a closed descriptor", function()
    local b <close> = bag()
    local fd = received_fd(b)
    for _, mode in ipairs({ "x", "rw", "", "r+x", "+r", "rb+", "wt" }) do
      assert.matches("invalid mode", raises(psock.fdopen, fd, mode), 1, true)
    end
    assert.is_true(fd_is_open(fd), "a bad mode leaves the descriptor alone")
    assert.matches("not a descriptor", raises(psock.fdopen, -1, "r"))
    assert.matches("number expected", raises(psock.fdopen, "x", "r"))
    assert.matches("number expected", raises(psock.fdopen, nil, "r"))
    b.close(fd)
    assert.is_false(fd_is_open(fd))
    local f, msg, errno = psock.fdopen(fd, "r")
    assert.is_nil(f)
    assert.equal(psock.strerror(psock.EBADF), msg)
    assert.equal(psock.EBADF, errno)
  end)
end)
