-- The socket userdata: life cycle, names and numbers, descriptors, and the
-- process-wide conventions of DESIGN.md (no globals, no SIGPIPE, signal
-- dispositions untouched, EINTR retried against one deadline, EMFILE
-- retried after a collection, one system call per blocking operation).
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.proc"

-- Every method but close, with arguments that would be valid on an open
-- socket, so that only the closed state can make them raise.
local method_args = {
  bind = { "127.0.0.1", 0 },
  listen = {},
  accept = {},
  connect = { "127.0.0.1", 9 },
  send = { "x" },
  sendall = { "x" },
  recv = {},
  sendto = { "x", "127.0.0.1", 9 },
  recvfrom = {},
  shutdown = { "rw" },
  getsockname = {},
  getpeername = {},
  setopt = { "reuseaddr", true },
  getopt = { "reuseaddr" },
  settimeout = { 1 },
  gettimeout = {},
  setblocking = { true },
  fileno = {},
  family = {},
  type = {},
}

local function methods_of(s)
  return getmetatable(s).__index
end

describe("require 'psock'", function()
  it("creates no global", function()
    local out, ok = P.lua_run([[
      local before = {}
      for k in pairs(_G) do before[k] = true end
      local psock = require "psock"
      local new = {}
      for k in pairs(_G) do
        if not before[k] then new[#new + 1] = tostring(k) end
      end
      table.sort(new)
      print("new globals: [" .. table.concat(new, ",") .. "]")
      print(type(psock), package.loaded.psock == psock)
    ]])
    assert.is_true(ok, out)
    assert.equal("new globals: []\ntable\ttrue\n", out)
  end)

  it("has a version string", function()
    assert.is_string(psock._VERSION)
    assert.matches("^psock %d+%.%d+", psock._VERSION)
  end)
end)

describe("psock.socket", function()
  it("takes families and types by name", function()
    local cases = {
      { "inet", "stream" }, { "inet", "dgram" },
      { "unix", "stream" }, { "unix", "dgram" }, { "unix", "seqpacket" },
    }
    for _, case in ipairs(cases) do
      local s <close> = assert(psock.socket(case[1], case[2]))
      assert.equal("socket", psock.type(s))
      assert.equal(case[1], s:family())
      assert.equal(case[2], s:type())
      assert.is_nil(s:gettimeout())   -- sockets block by default
      assert.is_true(math.type(s:fileno()) == "integer" and s:fileno() >= 0)
    end
  end)

  it("takes families, types and protocols as integer constants", function()
    local t <close> = assert(psock.socket(psock.AF_INET, psock.SOCK_STREAM,
                                          psock.IPPROTO_TCP))
    assert.equal("inet", t:family())
    assert.equal("stream", t:type())
    local u <close> = assert(psock.socket(psock.AF_INET, psock.SOCK_DGRAM,
                                          psock.IPPROTO_UDP))
    assert.equal("dgram", u:type())
    local x <close> = assert(psock.socket(psock.AF_UNIX, psock.SOCK_SEQPACKET))
    assert.equal("unix", x:family())
    assert.equal("seqpacket", x:type())
  end)

  it("mixes names and integers", function()
    local s <close> = assert(psock.socket("inet", psock.SOCK_DGRAM))
    assert.equal("dgram", s:type())
    local t <close> = assert(psock.socket(psock.AF_UNIX, "stream"))
    assert.equal("unix", t:family())
  end)

  it("turns SOCK_NONBLOCK into a timeout of 0 and drops SOCK_CLOEXEC", function()
    local s <close> = assert(psock.socket("inet",
      psock.SOCK_STREAM | psock.SOCK_NONBLOCK | psock.SOCK_CLOEXEC))
    assert.equal("stream", s:type())
    assert.equal(0, s:gettimeout())
    local data, msg, err = s:recv()   -- not connected: fails, never blocks
    assert.is_nil(data)
    assert.is_string(msg)
    assert.is_number(err)
    assert.is_true(H.cloexec(s:fileno()))
  end)

  it("returns nil, message, errno when the system refuses", function()
    local s, msg, err = psock.socket(9999, "stream")
    assert.is_nil(s)
    assert.equal(psock.EAFNOSUPPORT, err)
    assert.equal(psock.strerror(err), msg)
  end)

  it("keeps message boundaries on seqpacket sockets", function()
    local a, b = assert(psock.socketpair("unix", "seqpacket"))
    local _ <close> = P.closing(a, b)
    assert.equal(2, a:send("ab"))
    assert.equal(3, a:send("cde"))
    assert.equal("ab", b:recv())
    assert.equal("cde", b:recv())
  end)
end)

describe("psock.type", function()
  it("tells sockets, closed sockets and other values apart", function()
    local s = assert(psock.socket("inet", "dgram"))
    assert.equal("socket", psock.type(s))
    s:close()
    assert.equal("closed socket", psock.type(s))
    assert.is_nil(psock.type(io.stdout))
    assert.is_nil(psock.type(42))
    assert.is_nil(psock.type("socket"))
    assert.is_nil(psock.type({}))
    assert.is_nil(psock.type(nil))
  end)
end)

describe("close", function()
  it("returns true however many times it is called", function()
    local s = assert(psock.socket("inet", "stream"))
    for _ = 1, 3 do
      assert.is_true(s:close())
    end
    assert.equal("closed socket", psock.type(s))
  end)

  it("releases the descriptor", function()
    local s = assert(psock.socket("inet", "dgram"))
    local fd = s:fileno()
    local before = P.fdtarget(fd)
    assert.matches("^socket:", before)
    assert.is_true(s:close())
    assert.not_equal(before, P.fdtarget(fd))
  end)

  it("makes every other method raise 'attempt to use a closed socket'", function()
    local s = assert(psock.socket("inet", "stream"))
    local methods = methods_of(s)
    s:close()
    local seen = 0
    for name, args in pairs(method_args) do
      assert.is_function(methods[name], name)
      local ok, err = pcall(methods[name], s, table.unpack(args))
      assert.is_false(ok, name .. " did not raise")
      assert.matches("attempt to use a closed socket", err, 1, true)
      seen = seen + 1
    end
    assert.equal(20, seen)
    -- methods added later follow the same rule, whatever their arguments
    for name, fn in pairs(methods) do
      if name ~= "close" and not method_args[name] then
        local ok, err = pcall(fn, s)
        assert.is_false(ok, name .. " did not raise")
        assert.matches("attempt to use a closed socket", err, 1, true)
      end
    end
  end)
end)

describe("tostring", function()
  it("shows a bound inet socket", function()
    local l <close>, port = H.listener()
    assert.equal(string.format("psock.socket(fd=%d, inet, stream, 127.0.0.1:%d)",
                               l:fileno(), port), tostring(l))
  end)

  it("adds the peer of a connected socket", function()
    local l <close>, port = H.listener()
    local c <close> = assert(psock.socket("inet", "stream"))
    assert(c:connect("127.0.0.1", port))
    local a <close>, host, cport = assert(l:accept())
    assert.equal("127.0.0.1", host)
    assert.equal(string.format(
      "psock.socket(fd=%d, inet, stream, 127.0.0.1:%d -> 127.0.0.1:%d)",
      c:fileno(), cport, port), tostring(c))
    assert.equal(string.format(
      "psock.socket(fd=%d, inet, stream, 127.0.0.1:%d -> 127.0.0.1:%d)",
      a:fileno(), port, cport), tostring(a))
  end)

  it("brackets inet6 hosts", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s <close> = assert(psock.socket("inet6", "dgram"))
    assert(s:bind("::1", 0))
    local _, port = s:getsockname()
    assert.equal(string.format("psock.socket(fd=%d, inet6, dgram, [::1]:%d)",
                               s:fileno(), port), tostring(s))
  end)

  it("shows unix paths, abstract names with '@', and unnamed sockets bare", function()
    local dir = H.tmpdir()
    local path = dir .. "/sock"
    local s <close> = assert(psock.socket("unix", "stream"))
    assert(s:bind(path))
    assert.equal(string.format("psock.socket(fd=%d, unix, stream, %s)",
                               s:fileno(), path), tostring(s))
    s:close()
    H.rmdir(dir)
    local name = "psock-spec-" .. H.pid() .. "-" .. math.random(1, 1e9)
    local t <close> = assert(psock.socket("unix", "dgram"))
    assert(t:bind("\0" .. name))
    assert.equal(string.format("psock.socket(fd=%d, unix, dgram, @%s)",
                               t:fileno(), name), tostring(t))
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    assert.equal(string.format("psock.socket(fd=%d, unix, stream)", a:fileno()),
                 tostring(a))
    assert.equal(string.format("psock.socket(fd=%d, unix, stream)", b:fileno()),
                 tostring(b))
  end)

  it("shows a closed socket", function()
    local s = assert(psock.socket("inet", "stream"))
    s:close()
    assert.equal("psock.socket(closed)", tostring(s))
  end)
end)

describe("<close>", function()
  it("closes the socket at the end of its scope", function()
    local ref
    do
      local s <close> = assert(psock.socket("inet", "dgram"))
      ref = s
      assert.equal("socket", psock.type(ref))
    end
    assert.equal("closed socket", psock.type(ref))
  end)

  it("closes it when the scope is left by an error", function()
    local ref
    local ok, err = pcall(function()
      local s <close> = assert(psock.socket("inet", "dgram"))
      ref = s
      error("boom")
    end)
    assert.is_false(ok)
    assert.matches("boom", err)
    assert.equal("closed socket", psock.type(ref))
  end)

  it("does nothing to a socket already closed", function()
    local ref
    do
      local s <close> = assert(psock.socket("inet", "dgram"))
      ref = s
      assert.is_true(s:close())
    end
    assert.equal("closed socket", psock.type(ref))
    assert.is_true(ref:close())
  end)
end)

describe("garbage collection", function()
  -- Make a socket nobody references: its descriptor and what it points to.
  local function forgotten_socket()
    local s = assert(psock.socket("inet", "dgram"))
    local fd = s:fileno()
    return fd, P.fdtarget(fd)
  end

  it("closes a socket nobody references", function()
    local fd, before = forgotten_socket()
    assert.matches("^socket:", before)
    collectgarbage()
    collectgarbage()
    assert.not_equal(before, P.fdtarget(fd))
  end)

  local child = [[
    %s
    local psock = require "psock"
    local function forget()
      local s = assert(psock.socket("inet", "dgram"))
      return s:fileno()
    end
    local fd = forget()
    collectgarbage()
    collectgarbage()
    io.stdout:write("fd=", fd, "\n")
    print(psock.fromfd(fd))   -- closed: nil, msg, EBADF
  ]]

  it("warns, naming the descriptor, when warnings are on", function()
    local out, ok = P.lua_run(child:format('warn("@on")'), { merge = true })
    assert.is_true(ok, out)
    local fd = assert(out:match("fd=(%d+)\n"), out)
    assert.matches("Lua warning: [^\n]*psock[^\n]*fd=" .. fd .. "%f[%D]", out)
    assert.matches("nil\tBad file descriptor\t" .. psock.EBADF, out, 1, true)
  end)

  it("prints nothing when warnings are off", function()
    local out, ok = P.lua_run(child:format(""), { merge = true })
    assert.is_true(ok, out)
    local fd = assert(out:match("^fd=(%d+)\n"), out)
    assert.equal("fd=" .. fd .. "\nnil\tBad file descriptor\t" .. psock.EBADF ..
                 "\n", out)
  end)
end)

describe("descriptors", function()
  it("are close-on-exec from socket, socketpair, accept and fromfd", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(H.cloexec(s:fileno()), "socket")
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    assert.is_true(H.cloexec(a:fileno()), "socketpair")
    assert.is_true(H.cloexec(b:fileno()), "socketpair")
    local d, e = assert(psock.socketpair("unix", "dgram"))
    local _ <close> = P.closing(d, e)
    assert.is_true(H.cloexec(d:fileno()) and H.cloexec(e:fileno()))
    local l <close>, port = H.listener()
    assert.is_true(H.cloexec(l:fileno()), "listener")
    local c <close> = assert(psock.socket("inet", "stream"))
    assert(c:connect("127.0.0.1", port))
    local conn <close> = assert(l:accept())
    assert.is_true(H.cloexec(conn:fileno()), "accept")
    local f <close> = assert(psock.fromfd(s:fileno()))
    assert.is_true(H.cloexec(f:fileno()), "fromfd")
  end)

  it("are not inherited by a child process", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    local fd = s:fileno()
    local target = P.fdtarget(fd)
    assert.matches("^socket:", target)
    local out = H.run("readlink /proc/$$/fd/" .. fd .. " || echo none")
    assert.not_equal(target .. "\n", out)
  end)
end)

describe("psock.fromfd", function()
  it("owns a duplicate that works on its own", function()
    local s = assert(psock.socket("inet", "dgram"))
    assert(s:bind("127.0.0.1", 0))
    local host, port = s:getsockname()
    local d <close> = assert(psock.fromfd(s:fileno()))
    assert.not_equal(s:fileno(), d:fileno())
    assert.equal("socket", psock.type(d))
    assert.equal("inet", d:family())
    assert.equal("dgram", d:type())
    assert.is_nil(d:gettimeout())
    local dhost, dport = d:getsockname()
    assert.equal(host, dhost)
    assert.equal(port, dport)
    s:close()   -- the duplicate lives on
    local sender <close> = assert(psock.socket("inet", "dgram"))
    assert.equal(5, sender:sendto("hello", host, port))
    d:settimeout(5)
    assert.equal("hello", d:recv())
  end)

  it("reads the family and type of the descriptor", function()
    local a, b = assert(psock.socketpair("unix", "seqpacket"))
    local _ <close> = P.closing(a, b)
    local d <close> = assert(psock.fromfd(a:fileno()))
    assert.equal("unix", d:family())
    assert.equal("seqpacket", d:type())
    assert.equal(2, d:send("hi"))
    assert.equal("hi", b:recv())
  end)

  it("reports a non-blocking descriptor as a timeout of 0", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert(s:settimeout(0))
    local d <close> = assert(psock.fromfd(s:fileno()))
    assert.equal(0, d:gettimeout())
    local data, _, err = d:recv()
    assert.is_nil(data)
    assert.equal(psock.EAGAIN, err)
  end)

  it("returns nil, msg, ENOTSOCK for a descriptor that is not a socket", function()
    local dir = H.tmpdir()
    local path = dir .. "/file"
    local f = assert(io.open(path, "w"))
    local fd
    for n in pairs(H.open_fds()) do
      if P.fdtarget(n) == path then fd = n end
    end
    assert.is_number(fd, "the file's descriptor was not found")
    local s, msg, err = psock.fromfd(fd)
    f:close()
    H.rmdir(dir)
    assert.is_nil(s)
    assert.equal(psock.ENOTSOCK, err)
    assert.equal(psock.strerror(psock.ENOTSOCK), msg)
  end)

  it("returns nil, msg, ENOTSOCK for stdin when it is /dev/null", function()
    local out, ok = P.lua_run([[
      local psock = require "psock"
      print(psock.fromfd(0))
    ]], { prefix = "exec 0</dev/null" })
    assert.is_true(ok, out)
    assert.equal("nil\t" .. psock.strerror(psock.ENOTSOCK) .. "\t" ..
                 psock.ENOTSOCK .. "\n", out)
  end)

  it("returns nil, msg, EBADF for a descriptor that is not open", function()
    local fd = 1000000
    assert.is_nil(H.open_fds()[fd])
    local s, msg, err = psock.fromfd(fd)
    assert.is_nil(s)
    assert.equal("Bad file descriptor", msg)
    assert.equal(psock.EBADF, err)
  end)

  it("raises for a negative or non-integer descriptor", function()
    for _, bad in ipairs({ -1, -100, 1.5, "x", {}, true }) do
      assert.has_error(function() psock.fromfd(bad) end)
    end
    assert.has_error(function() psock.fromfd() end)
  end)
end)

describe("psock.socketpair", function()
  it("defaults to a unix stream pair", function()
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    for _, s in ipairs({ a, b }) do
      assert.equal("unix", s:family())
      assert.equal("stream", s:type())
      assert.is_nil(s:gettimeout())
    end
    assert.equal(5, a:send("hello"))
    assert.equal("hello", b:recv())
    assert.equal(3, b:send("bye"))
    assert.equal("bye", a:recv())
    assert.is_true(a:close())
    assert.equal("", b:recv())   -- end of stream
  end)

  it("takes explicit names, integers and nils", function()
    local a, b = assert(psock.socketpair("unix", "dgram"))
    local _ <close> = P.closing(a, b)
    assert.equal("dgram", a:type())
    assert.equal("dgram", b:type())
    local c, d = assert(psock.socketpair(psock.AF_UNIX, psock.SOCK_SEQPACKET))
    local _ <close> = P.closing(c, d)
    assert.equal("seqpacket", c:type())
    assert.equal("seqpacket", d:type())
    local e, f = assert(psock.socketpair(nil, "dgram"))
    local _ <close> = P.closing(e, f)
    assert.equal("unix", e:family())
    assert.equal("dgram", f:type())
    local g, h = assert(psock.socketpair("unix", nil))
    local _ <close> = P.closing(g, h)
    assert.equal("stream", g:type())
    assert.equal("stream", h:type())
  end)

  it("makes both ends non-blocking with SOCK_NONBLOCK", function()
    local a, b = assert(psock.socketpair("unix",
      psock.SOCK_STREAM | psock.SOCK_NONBLOCK))
    local _ <close> = P.closing(a, b)
    assert.equal(0, a:gettimeout())
    assert.equal(0, b:gettimeout())
    local data, _, err = b:recv()
    assert.is_nil(data)
    assert.equal(psock.EAGAIN, err)
  end)

  it("returns nil, message, errno for a family without pairs", function()
    local a, msg, err = psock.socketpair("inet")
    assert.is_nil(a)
    assert.is_number(err)
    assert.equal(psock.strerror(err), msg)
  end)
end)

describe("out of descriptors", function()
  -- Children run with at most 64 descriptors and the collector stopped, so
  -- that only psock's own collection on EMFILE can free descriptors.
  local prefix = "ulimit -n 64"

  it("collects garbage and retries when sockets are merely unreferenced", function()
    local out, ok = P.lua_run([[
      collectgarbage("stop")
      local psock = require "psock"
      for i = 1, 200 do
        local s, msg = psock.socket("inet", "dgram")
        if not s then print("socket failed at", i, msg) os.exit(1) end
      end
      for i = 1, 100 do
        local a, msg = psock.socketpair()
        if not a then print("socketpair failed at", i, msg) os.exit(1) end
      end
      local keep = assert(psock.socket("inet", "dgram"))
      for i = 1, 200 do
        local d, msg = psock.fromfd(keep:fileno())
        if not d then print("fromfd failed at", i, msg) os.exit(1) end
      end
      print("ok")
    ]], { prefix = prefix, merge = true })
    assert.is_true(ok, out)
    assert.equal("ok\n", out)
  end)

  it("retries each call that makes descriptors once after a collection", function()
    local out, ok = P.lua_run([[
      collectgarbage("stop")
      local psock = require "psock"
      local l = assert(psock.socket("inet", "stream"))
      assert(l:bind("127.0.0.1", 0))
      assert(l:listen())
      local c = assert(psock.socket("inet", "stream"))
      assert(c:connect(l:getsockname()))
      -- Fill the table of descriptors with sockets that are referenced,
      -- then drop the references: only a collection can free them.
      local function fill()
        local t = {}
        for _ = 1, 200 do
          local s, msg, err = psock.socket("inet", "dgram")
          if not s then return t, msg, err end
          t[#t + 1] = s
        end
        error("the descriptor limit was not reached")
      end
      local t, msg, err = fill()
      print("full", #t > 0, msg, err)
      t = fill()
      t = nil
      print("accept", psock.type(l:accept()))
      t = fill()
      t = nil
      print("socketpair", psock.type(psock.socketpair()))
      t = fill()
      t = nil
      print("fromfd", psock.type(psock.fromfd(l:fileno())))
      t = fill()
      t = nil
      print("socket", psock.type(psock.socket("inet", "stream")))
    ]], { prefix = prefix, merge = true })
    assert.is_true(ok, out)
    assert.equal(table.concat({
      "full\ttrue\tToo many open files\t" .. psock.EMFILE,
      "accept\tsocket", "socketpair\tsocket", "fromfd\tsocket", "socket\tsocket",
    }, "\n") .. "\n", out)
  end)

  it("returns nil, 'Too many open files', EMFILE when sockets are kept", function()
    local out, ok = P.lua_run([[
      collectgarbage("stop")
      local psock = require "psock"
      local keep = {}
      for i = 1, 200 do
        local s, msg, err = psock.socket("inet", "dgram")
        if not s then
          print(i > 10, s, msg, err, math.type(err))
          print(psock.socketpair())
          print(psock.fromfd(keep[1]:fileno()))
          os.exit(0)
        end
        keep[i] = s
      end
      print("no failure")
    ]], { prefix = prefix, merge = true })
    assert.is_true(ok, out)
    local e = psock.EMFILE
    assert.equal(24, e)
    assert.equal(string.format(
      "true\tnil\tToo many open files\t%d\tinteger\n" ..
      "nil\tToo many open files\t%d\nnil\tToo many open files\t%d\n",
      e, e, e), out)
  end)
end)

describe("signals", function()
  it("leaves the process's signal dispositions alone, and no SIGPIPE", function()
    local out, ok = P.lua_run([[
      local function dispositions()
        local f = assert(io.open("/proc/self/status"))
        local text = f:read("a")
        f:close()
        return text:match("SigBlk:%s*(%x+)"), text:match("SigIgn:%s*(%x+)"),
               text:match("SigCgt:%s*(%x+)")
      end
      print("before", dispositions())
      local psock = require "psock"
      local a, b = assert(psock.socketpair())
      b:close()
      print("send", a:send("x"))
      print("sendall", a:sendall("xyz"))
      local c, d = assert(psock.socketpair("unix", "stream"))
      d:close()
      c:settimeout(1)
      print("timeout send", c:send("x"))
      a:close() c:close()
      print("after", dispositions())
    ]], { merge = true })
    assert.is_true(ok, out)
    local before = assert(out:match("before(\t[^\n]*)\n"), out)
    local after = assert(out:match("after(\t[^\n]*)\n"), out)
    assert.matches("^\t%x+\t%x+\t%x+$", before)
    assert.equal(before, after)
    local e = psock.EPIPE
    assert.matches("send\tnil\tBroken pipe\t" .. e .. "\n", out, 1, true)
    assert.matches("sendall\tnil\tBroken pipe\t" .. e .. "\t0\n", out, 1, true)
    assert.matches("timeout send\tnil\tBroken pipe\t" .. e .. "\n", out, 1, true)
  end)

  -- lua.c catches SIGINT while a script runs, without SA_RESTART: a SIGINT
  -- interrupts a blocking system call with EINTR, and lua.c raises
  -- "interrupted!" as soon as the call returns to Lua.

  it("retries EINTR against the socket's one deadline", function()
    local child = P.lua_spawn([[
      local psock = require "psock"
      local s = assert(psock.socket("inet", "dgram"))
      assert(s:bind("127.0.0.1", 0))
      assert(s:settimeout(1.0))
      print(pcall(s.recv, s))
    ]])
    finally(function() child:finish() end)
    local t0 = psock.monotime()
    P.sleep(0.7)
    P.kill(child.luapid, "INT")
    local out = child:wait()
    local lifetime = psock.monotime() - t0
    assert.matches("interrupted!", out, 1, true)
    assert.is_true(lifetime >= 0.9 and lifetime <= 1.5,
      string.format("recv with a 1 s timeout, SIGINT at 0.7 s, ended at %.3f s", lifetime))
  end)

  it("retries EINTR on a blocking socket until the data arrives", function()
    local l <close>, port = H.listener()
    local child = P.lua_spawn(string.format([[
      local psock = require "psock"
      local c = assert(psock.socket("inet", "stream"))
      assert(c:connect("127.0.0.1", %d))
      print("ready")
      io.stdout:flush()
      -- lua.c raises "interrupted!" as soon as recv returns, so its result
      -- is lost: peek, and read what arrived afterwards without waiting
      print("recv", pcall(c.recv, c, 64, psock.MSG_PEEK))
      print("then", c:recv(64, psock.MSG_DONTWAIT))
    ]], port))
    finally(function() child:finish() end)
    assert(l:settimeout(10))
    local conn <close> = assert(l:accept())
    assert.equal("ready", child:line())
    local t0 = psock.monotime()
    P.sleep(0.3)
    P.kill(child.luapid, "INT")
    P.sleep(0.5)
    assert.equal(5, conn:send("hello"))
    local out = child:wait()
    local lifetime = psock.monotime() - t0
    assert.matches("recv\tfalse\t[^\n]*interrupted!", out)
    -- the interrupted call went on and returned the data: it was there at once
    assert.matches("then\thello\n", out, 1, true)
    assert.is_true(lifetime >= 0.7,
      string.format("blocking recv ended %.3f s after it started", lifetime))
  end)
end)

describe("system calls", function()
  local round_trips = [[
    local psock = require "psock"
    local a, b = assert(psock.socketpair())
    %s
    a:getsockname()   -- marker: the loop starts
    for _ = 1, 100 do
      a:send("x")
      b:recv()
    end
    a:getsockname()   -- marker: the loop ended
    print("done")
  ]]

  local function check(counts, out)
    assert.matches("done", out, 1, true)
    assert.equal(100, counts.sendto or 0)
    assert.equal(100, counts.recvfrom or 0)
    for _, name in ipairs({ "poll", "ppoll", "select", "pselect6", "epoll_wait",
                            "epoll_pwait", "fcntl", "ioctl" }) do
      assert.equal(0, counts[name] or 0, name)
    end
    -- anything else could only be the allocator asking for memory
    local memory = { brk = true, mmap = true, munmap = true, mremap = true,
                     madvise = true }
    for name in pairs(counts) do
      if name ~= "sendto" and name ~= "recvfrom" then
        assert.is_true(memory[name], "unexpected system call " .. name)
      end
    end
  end

  it("cost one system call per send and per recv on a blocking socket", function()
    assert.is_true(P.have_strace(), "strace does not run here")
    check(P.strace_counts(round_trips:format("")))
  end)

  it("cost one system call each with a timeout when the socket is ready", function()
    assert.is_true(P.have_strace(), "strace does not run here")
    check(P.strace_counts(round_trips:format("a:settimeout(5) b:settimeout(5)")))
  end)
end)
