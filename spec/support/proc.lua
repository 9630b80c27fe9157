-- More helpers for the specs that look at a whole process: child lua5.4
-- scripts started with a shell prefix (ulimit), their pids for signals,
-- short sleeps, descriptor targets, and system-call counts under strace.
-- Built on spec/support/helpers.lua; every child is bounded and reaped.
local psock = require "psock"
local H = require "spec.support.helpers"

local P = {}

-- A to-be-closed value that closes every socket given to it (Lua allows one
-- <close> variable per local statement):
--   local a, b = assert(psock.socketpair())
--   local _ <close> = P.closing(a, b)
function P.closing(...)
  local list = table.pack(...)
  return setmetatable({}, { __close = function()
    for i = 1, list.n do
      if psock.type(list[i]) == "socket" then list[i]:close() end
    end
  end })
end

-- Sleep about `seconds` (a receive that times out: Lua has no sleep).
function P.sleep(seconds)
  local s <close> = assert(psock.socket("inet", "dgram"))
  assert(s:bind("127.0.0.1", 0))
  assert(s:settimeout(seconds))
  local data, msg = s:recv()
  assert(data == nil and msg == "timeout", "sleep was woken up")
end

-- The Lua line a child script starts with to report its own pid (the
-- process that must receive a signal, whatever shells started it).
P.report_pid = [[
do
  local f = assert(io.open("/proc/self/stat"))
  io.write(f:read("a"):match("^(%d+)"), "\n")
  io.flush()
  f:close()
end
]]

-- Run a Lua chunk in a child lua5.4, after the shell command `prefix`
-- (e.g. "ulimit -n 64") when given.  Returns stdout (stderr merged when
-- opts.merge), ok, exit code.  The child keeps the environment, so it loads
-- the same psock build as the specs (also under `make asan`).
function P.lua_run(code, opts)
  opts = opts or {}
  local dir = H.tmpdir()
  local path = dir .. "/chunk.lua"
  H.write(path, code)
  -- Not exec'd: the shell reports a child killed by a signal ("Segmentation
  -- fault"), into the output when stderr is merged.
  local cmd = "{ " .. (opts.prefix and opts.prefix .. "; " or "") ..
    H.lua .. " " .. H.shquote(path) .. "; }" .. (opts.merge and " 2>&1" or "")
  local out, ok, status = H.run(cmd, opts.limit or 20, true)
  H.rmdir(dir)
  return out, ok, status
end

-- Start a Lua chunk in a child lua5.4 that begins with P.report_pid; the
-- returned child (see H.spawn) has child.luapid; child:wait() and
-- child:stop() also remove its temp dir, and child:finish() stops it only
-- when it was not reaped yet.  stderr is merged into stdout.
function P.lua_spawn(code, opts)
  opts = opts or {}
  local dir = H.tmpdir()
  local path = dir .. "/chunk.lua"
  H.write(path, P.report_pid .. code)
  local child = H.spawn("exec " .. H.lua .. " " .. H.shquote(path) .. " 2>&1",
    { limit = opts.limit or 20, keep_env = true })
  local line = child:line()
  child.luapid = tonumber(line)
  local wait, stop = child.wait, child.stop
  function child:wait()
    self.reaped = true
    local rest, ok, how, code2 = wait(self)
    H.rmdir(dir)
    return rest, ok, how, code2
  end
  function child:stop()
    self.reaped = true
    local rest, ok, how, code2 = stop(self)
    H.rmdir(dir)
    return rest, ok, how, code2
  end
  -- For finally(): stop and reap the child unless that was done already.
  function child:finish()
    if not self.reaped then self:stop() end
  end
  if not child.luapid then
    local rest = child:stop()
    error("child did not report its pid: " .. tostring(line) .. (rest or ""))
  end
  return child
end

-- Send signal `sig` (a name such as "INT") to process pid.
function P.kill(pid, sig)
  return os.execute(string.format("kill -%s %d", sig, pid))
end

-- What descriptor fd of this process refers to ("socket:[1234]"), or nil
-- when it is not open.  The popen pipe may itself take the number of a
-- closed descriptor: compare with the earlier target, not with nil.
function P.fdtarget(fd)
  local p = assert(io.popen("readlink /proc/" .. H.pid() .. "/fd/" .. fd ..
                            " 2>/dev/null"))
  local target = p:read("l")
  p:close()
  return target
end

-- Whether the strace(1) binary can run here.
function P.have_strace()
  local _, ok = H.run("strace -o /dev/null true", 10)
  return ok == true
end

-- Run a Lua chunk in a child lua5.4 under `strace -f` and count the
-- system calls made between two markers: the chunk calls
-- `mark:getsockname()` (any socket) right before and right after the part
-- to measure.  Returns a table {[syscall name] = count}, and the child's
-- output for diagnostics.
function P.strace_counts(code)
  local dir = H.tmpdir()
  local path, trace = dir .. "/chunk.lua", dir .. "/trace"
  H.write(path, code)
  -- Under `make asan` the sanitizer preload goes to the traced lua5.4 only.
  local preload = os.getenv("LD_PRELOAD")
  local cmd = string.format("%sstrace -f -qq -o %s %s %s %s 2>&1",
    preload and "env -u LD_PRELOAD " or "", H.shquote(trace),
    preload and "-E " .. H.shquote("LD_PRELOAD=" .. preload) or "",
    H.lua, H.shquote(path))
  local out = H.run(cmd, 60, true)
  local counts, inside, marks = {}, false, 0
  local text = H.read(trace) or ""
  H.rmdir(dir)
  for line in text:gmatch("[^\n]+") do
    local name = line:match("^%d+%s+([%w_]+)%(")
    if name == "getsockname" then
      marks = marks + 1
      inside = marks == 1
    elseif name and inside then
      counts[name] = (counts[name] or 0) + 1
    end
  end
  assert(marks == 2, "expected 2 getsockname markers, got " .. marks ..
         "\n" .. out)
  return counts, out
end

return P
