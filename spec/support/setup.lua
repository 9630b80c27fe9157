-- Loaded by busted before the specs (see .busted).

-- Under `make valgrind`, PSOCK_GC_STRESS makes the collector run all the
-- time, so that a socket freed too early or used after collection shows up
-- at once instead of by chance.
if os.getenv("PSOCK_GC_STRESS") then
  collectgarbage("incremental", 1, 100, 1)
end

-- PSOCK_FD_REPORT=path: when the suite ends, write there the sockets this
-- process still has open that it did not have at the start.  A spec that
-- forgets to close a socket shows up here even though lua_close would
-- close it later through __gc.
local report = os.getenv("PSOCK_FD_REPORT")
if report then
  local function sockets()
    local found = {}
    local ls = io.popen("ls -l /proc/$PPID/fd 2>/dev/null")
    for line in ls:lines() do
      local fd, target = line:match("(%d+) %-> (socket:%S+)")
      if fd then found[fd] = target end
    end
    ls:close()
    return found
  end
  local before = sockets()
  require("busted").subscribe({ "suite", "end" }, function()
    collectgarbage("collect")
    collectgarbage("collect")
    local f = assert(io.open(report, "w"))
    for fd, target in pairs(sockets()) do
      if before[fd] ~= target then
        f:write(fd, " ", target, "\n")
      end
    end
    f:close()
    return nil, true
  end)
end
