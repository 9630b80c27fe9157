-- Readiness at scale: the cost of finding the one ready socket among N idle
-- registered ones (N = 10 and 10,000), in microseconds per call, median of
-- 5 runs of about 0.2 s each:
--   poller:wait() with the epoll build (build/psock.so) and the poll(2)
--   build (build/poll/psock.so), psock.select with all N + 1 as readers,
--   psock.select with the ready socket alone, and a C program
--   (bench/readiness.c) calling epoll_wait and poll on the same sets.
-- The N idle sockets are N/2 socketpairs with both ends registered for
-- "r"; one more pair has a byte waiting on the end that is registered.
--
-- Run from a checkout, after `make && make poll`:
--   lua5.4 bench/readiness.lua
-- Each measurement runs in a child lua5.4 (or the C program) under a shell
-- that first raises the descriptor limit (`ulimit -n 50000`, or as far as
-- the hard limit allows); 10,000 idle sockets need a limit above 10,003.
-- `lua5.4 bench/readiness.lua --worker KIND N` is one such child: KIND is
-- wait, select_all or select_one; it loads whatever psock LUA_CPATH finds.

local RUNS = 5
local SIZES = { 10, 10000 }

local function shquote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function median(list)
  table.sort(list)
  return list[(#list + 1) // 2]
end

-- Seconds per call of body(iters), median of RUNS runs, each run long
-- enough to time: the count doubles until a run takes 50 ms, then aims at
-- 0.2 s.  body runs the calls itself, so the loop costs no function call.
local function measure(body, clock)
  local function run(iters)
    local t0 = clock()
    body(iters)
    return (clock() - t0) / iters
  end
  local iters = 1
  while run(iters) * iters < 0.05 and iters < 1 << 30 do
    iters = iters * 2
  end
  iters = math.floor(0.2 / run(iters)) + 1
  local times = {}
  for i = 1, RUNS do times[i] = run(iters) end
  return median(times)
end

-- One measurement, in this process, with the psock that LUA_CPATH finds.
local function worker(kind, n)
  local psock = require "psock"
  assert(n % 2 == 0, "N must be even")
  local socks = {}
  local function closeall()
    for _, s in ipairs(socks) do s:close() end
  end
  for _ = 1, n // 2 do
    local a, b = psock.socketpair()
    if not a then
      closeall()
      error("socketpair: " .. b .. " (raise the limit: ulimit -n)")
    end
    socks[#socks + 1], socks[#socks + 2] = a, b
  end
  local ready, writer = assert(psock.socketpair())
  assert(writer:send("x") == 1)
  local readers = {}
  for i, s in ipairs(socks) do readers[i] = s end
  readers[#readers + 1] = ready
  socks[#socks + 1], socks[#socks + 2] = ready, writer

  local body
  local p
  if kind == "wait" then
    p = psock.poller()
    for _, s in ipairs(readers) do assert(p:add(s, "r")) end
    body = function(iters)
      for _ = 1, iters do
        local found = 0
        for _ in p:wait() do found = found + 1 end
        if found ~= 1 then error("wait found " .. found) end
      end
    end
  elseif kind == "select_all" or kind == "select_one" then
    local list = kind == "select_all" and readers or { ready }
    local none = {}
    body = function(iters)
      for _ = 1, iters do
        local r = psock.select(list, none)
        if #r ~= 1 then error("select found " .. #r) end
      end
    end
  else
    error("unknown kind " .. tostring(kind))
  end
  local seconds = measure(body, psock.monotime)
  if p then p:close() end
  closeall()
  return seconds * 1e6
end

if arg[1] == "--worker" then
  print(string.format("%.3f", worker(arg[2], assert(math.tointeger(tonumber(arg[3]))))))
  return
end

-- The driver: one child per figure, then the table.
local root = arg[0]:match("^(.*)/bench/[^/]*$") or "."
local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end
for _, so in ipairs({ "build/psock.so", "build/poll/psock.so" }) do
  if not exists(root .. "/" .. so) then
    io.stderr:write("missing ", root, "/", so, ": run `make && make poll` first\n")
    os.exit(1)
  end
end

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -m 700 " .. shquote(dir)))
local cprog = dir .. "/readiness"
local function cleanup()
  os.execute("rm -rf " .. shquote(dir))
end

local RAISE = 'ulimit -n 50000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; '

-- Run a shell command (after raising the limit) and read one number.
local function figure(cmd)
  local f = assert(io.popen("sh -c " .. shquote(RAISE .. cmd) .. " 2>&1"))
  local out = f:read("a")
  local ok = f:close()
  local value = tonumber(out:match("^%s*([%d.]+)%s*$"))
  if not ok or not value then
    cleanup()
    error("failed: " .. cmd .. "\n" .. out)
  end
  return value
end

if not os.execute("cc -O2 -o " .. shquote(cprog) .. " " ..
                  shquote(root .. "/bench/readiness.c")) then
  cleanup()
  error("cannot build bench/readiness.c with cc")
end

local function lua_figure(build, kind, n)
  return figure("LUA_CPATH=" .. shquote(root .. "/" .. build .. "/?.so;;") ..
                " exec lua5.4 " .. shquote(root .. "/bench/readiness.lua") ..
                " --worker " .. kind .. " " .. n)
end

local rows = {
  { "poller:wait() (epoll build)", function(n) return lua_figure("build", "wait", n) end },
  { "poller:wait() (poll build)", function(n) return lua_figure("build/poll", "wait", n) end },
  { "psock.select(all N+1 readers)",
    function(n) return lua_figure("build", "select_all", n) end },
  { "psock.select({ready}) alone",
    function(n) return lua_figure("build", "select_one", n) end },
  { "C epoll_wait", function(n) return figure("exec " .. shquote(cprog) .. " epoll " .. n) end },
  { "C poll", function(n) return figure("exec " .. shquote(cprog) .. " poll " .. n) end },
}

local results = {}
for i, row in ipairs(rows) do
  results[i] = {}
  for j, n in ipairs(SIZES) do
    results[i][j] = row[2](n)
  end
end
cleanup()

print(string.format("Finding 1 ready socket among N idle registered ones: " ..
                    "microseconds per call, median of %d runs", RUNS))
local header = string.format("%-32s", "")
for _, n in ipairs(SIZES) do header = header .. string.format("%12s", "N=" .. n) end
print(header .. string.format("%12s", "N=" .. SIZES[#SIZES] .. "/" .. SIZES[1]))
for i, row in ipairs(rows) do
  local line = string.format("%-32s", row[1])
  for j = 1, #SIZES do line = line .. string.format("%12.3f", results[i][j]) end
  print(line .. string.format("%11.2fx", results[i][#SIZES] / results[i][1]))
end
-- The performance contract: the epoll wait within 2x of C's epoll_wait,
-- and within 2x of the same wait with 10 registered.
local last = #SIZES
print(string.format("poller:wait() (epoll) / C epoll_wait: %.2fx at N=%d, %.2fx at N=%d",
  results[1][1] / results[5][1], SIZES[1], results[1][last] / results[5][last], SIZES[last]))
print(string.format("poller:wait() (epoll) N=%d / N=%d: %.2fx",
  SIZES[last], SIZES[1], results[1][last] / results[1][1]))
