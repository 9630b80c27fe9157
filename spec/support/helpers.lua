-- Helpers shared by the specs: temp dirs, child processes (real peers and
-- the example scripts), bounded waits.  Every child runs under timeout(1)
-- so that nothing outlives a broken spec, and every child is reaped.
local psock = require "psock"

local H = {}

local function shquote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
H.shquote = shquote

-- A fresh directory under /tmp; removed by H.rmdir.
function H.tmpdir()
  local name = os.tmpname()
  os.remove(name)
  assert(os.execute("mkdir -m 700 " .. shquote(name)))
  return name
end

function H.rmdir(dir)
  os.execute("rm -rf " .. shquote(dir))
end

function H.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function H.read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

-- Children other than lua5.4 must not inherit the sanitizer preload of
-- `make asan` (python3 is not built for it).
local function peer_env()
  return "env -u LD_PRELOAD "
end

-- Start a child process in the background: `cmd` is a shell command line.
-- Its stdout is read through the returned object; it is killed after
-- `limit` seconds (default 20) whatever happens.
-- child:line() reads one line of its stdout (blocking, bounded by the limit);
-- child:stop() kills it if still running and reaps it, returning all the
-- rest of its output and its exit status.
function H.spawn(cmd, opts)
  opts = opts or {}
  local limit = opts.limit or 20
  local full = string.format("echo $$; exec %stimeout -s KILL %d sh -c %s",
    opts.keep_env and "" or peer_env(), limit, shquote(cmd))
  local f = assert(io.popen(full, "r"))
  local pid = assert(tonumber(f:read("l")), "child did not start")
  local child = { pid = pid, f = f }
  function child:line()
    return self.f:read("l")
  end
  function child:stop()
    if not self.stopped then
      self.stopped = true
      -- timeout(1) passes SIGTERM on to the command it runs.  (No pkill:
      -- under `make asan` it would inherit the ASan preload and hang.)
      os.execute("kill -TERM " .. self.pid .. " 2>/dev/null")
    end
    local rest = self.f:read("a")
    local ok, how, code = self.f:close()
    return rest, ok, how, code
  end
  function child:wait()
    local rest = self.f:read("a")
    self.stopped = true
    local ok, how, code = self.f:close()
    return rest, ok, how, code
  end
  return child
end

-- Run a command to completion (bounded) and return its stdout, ok, code.
function H.run(cmd, limit, keep_env)
  local full = string.format("%stimeout -s KILL %d sh -c %s",
    keep_env and "" or peer_env(), limit or 20, shquote(cmd))
  local f = assert(io.popen(full, "r"))
  local out = f:read("a")
  local ok, _, code = f:close()
  return out, ok, code
end

-- The lua5.4 command line for a child that loads this checkout's psock
-- (it inherits LUA_CPATH/LUA_PATH from the spec run).
H.lua = "lua5.4"

-- Run a Lua chunk in a child lua5.4; returns stdout, ok, exit code.
-- stderr is merged into stdout when `merge` is true.
function H.lua_run(code, limit, merge)
  local dir = H.tmpdir()
  local path = dir .. "/chunk.lua"
  H.write(path, code)
  local out, ok, status = H.run(H.lua .. " " .. shquote(path) ..
    (merge and " 2>&1" or ""), limit, true)
  H.rmdir(dir)
  return out, ok, status
end

-- Start a python3 script (source text) as a child; args appended.
function H.python(source, args, opts)
  local dir = H.tmpdir()
  local path = dir .. "/peer.py"
  H.write(path, source)
  local child = H.spawn("python3 -u " .. shquote(path) .. " " .. (args or ""), opts)
  child.dir = dir
  local stop = child.stop
  function child:stop()
    local rest, ok, how, code = stop(self)
    H.rmdir(dir)
    return rest, ok, how, code
  end
  local wait = child.wait
  function child:wait()
    local rest, ok, how, code = wait(self)
    H.rmdir(dir)
    return rest, ok, how, code
  end
  return child
end

-- A listening TCP socket on 127.0.0.1 with a free port: sock, port.
function H.listener(family, host)
  local s = assert(psock.socket(family or "inet", "stream"))
  assert(s:setopt("reuseaddr", true))
  assert(s:bind(host or "127.0.0.1", 0))
  assert(s:listen())
  local _, port = s:getsockname()
  return s, port
end

-- A free TCP port on 127.0.0.1 (bound then released).
function H.free_port(kind)
  local s <close> = assert(psock.socket("inet", kind or "stream"))
  assert(s:bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  return port
end

-- Whether ::1 can be bound here.
function H.have_ipv6()
  local s = psock.socket("inet6", "stream")
  if not s then return false end
  local ok = s:bind("::1", 0)
  s:close()
  return ok == true
end

-- Connected TCP pair over loopback: client, server-side connection.
function H.tcp_pair()
  local l <close> = H.listener()
  local c = assert(psock.socket("inet", "stream"))
  assert(c:connect(l:getsockname()))
  local a = assert(l:accept())
  return c, a
end

-- The open descriptors of this process, as a set {[fd] = true}, pipes
-- left out: the listing's own pipe takes whichever number is free at the
-- time, so two listings would differ by it.  Garbage first: a file or
-- socket some earlier code dropped would otherwise close whenever the
-- collector gets to it, between two listings.
function H.open_fds()
  collectgarbage()
  collectgarbage()
  local fds = {}
  local p = io.popen("ls -l /proc/" .. H.pid() .. "/fd")
  for line in p:lines() do
    local fd, target = line:match("(%d+) %-> (.*)$")
    if fd and not target:find("^pipe:") then fds[tonumber(fd)] = true end
  end
  p:close()
  return fds
end

-- This process's pid (the parent of a shell it starts).
function H.pid()
  if not H._pid then
    local f = io.open("/proc/self/stat")
    H._pid = tonumber(f:read("a"):match("^(%d+)"))
    f:close()
  end
  return H._pid
end

-- Whether descriptor fd of this process has close-on-exec set.
function H.cloexec(fd)
  local text = H.read("/proc/" .. H.pid() .. "/fdinfo/" .. fd)
  local flags = assert(text, "no fdinfo for " .. fd):match("flags:%s*(%d+)")
  return (tonumber(flags, 8) & tonumber("2000000", 8)) ~= 0
end

-- Repeat fn() until it returns a true value or `limit` seconds pass.
function H.eventually(fn, limit)
  local deadline = psock.monotime() + (limit or 5)
  repeat
    local v = fn()
    if v then return v end
    local s = psock.socket("inet", "dgram")  -- sleep ~10 ms on a timeout
    s:settimeout(0.01)
    s:recv()
    s:close()
  until psock.monotime() > deadline
  return nil
end

return H
