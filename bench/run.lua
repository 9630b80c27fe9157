-- bench/run.lua: the benchmark driver.  Run it through bench/run.sh, which
-- builds the C programs, starts the peer and passes its directory:
--
--   lua5.4 bench/run.lua TMPDIR
--
-- For each pinning (client on the peer's CPU 0, then on CPU 1) and each
-- workload, every implementation runs once per round, in forward order in
-- odd rounds and in reverse order in even rounds; each run is a separate
-- client process bounded by `timeout`.  Then the system calls per operation
-- of each client (strace -f -c, two counts, the difference divided by the
-- difference in operations, so start-up does not count), and where psock is
-- more than 5% slower than C, instructions per operation under callgrind
-- (the same differencing).  Writes bench/results.csv (every round), replaces
-- the results section of bench/README.md and prints it.

local TMP = arg[1]
if not TMP then
  io.stderr:write("usage: lua5.4 bench/run.lua TMPDIR  (run bench/run.sh instead)\n")
  os.exit(2)
end

local function env_number(name, default)
  local v = tonumber(os.getenv(name) or "")
  return v or default
end

local ROUNDS = math.tointeger(env_number("BENCH_ROUNDS", 5)) or 5
local SECONDS = env_number("BENCH_SECONDS", 0.3)
local BLAST_SECONDS = SECONDS * 5 / 3   -- wall time; only the receiving is timed
local READY_SECONDS = SECONDS * 2 / 3
local DO_STRACE = os.getenv("BENCH_STRACE") ~= "0"
local DO_CALLGRIND = os.getenv("BENCH_CALLGRIND") ~= "0"
local RUN_TIMEOUT = 60                  -- seconds: a client process is killed after this
local MAXOPS = 1000000000
local README = "bench/README.md"
local CSV = "bench/results.csv"
local BEGIN_MARK = "<!-- results: written by bench/run.lua -->"
local END_MARK = "<!-- end of results -->"

-- ---- helpers ----

local function shquote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function readfile(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function writefile(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

local function capture(cmd)
  local f = assert(io.popen(cmd, "r"))
  local out = f:read("a")
  f:close()
  return out
end

local function have(tool)
  return os.execute("command -v " .. tool .. " >/dev/null 2>&1") == true
end

local function median(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  local n = #t
  if n == 0 then return nil end
  if n % 2 == 1 then return t[(n + 1) // 2] end
  return (t[n // 2] + t[n // 2 + 1]) / 2
end

local function minmax(list)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(list) do
    if v < lo then lo = v end
    if v > hi then hi = v end
  end
  return lo, hi
end

-- 3 significant figures, with k/M for large rates
local function num(v)
  if v == nil then return "—" end
  local a = math.abs(v)
  if a >= 1e6 then return string.format("%.2fM", v / 1e6) end
  if a >= 1e4 then return string.format("%.1fk", v / 1e3) end
  if a >= 100 then return string.format("%.0f", v) end
  if a >= 10 then return string.format("%.1f", v) end
  return string.format("%.2f", v)
end

local function ratio(v)
  if v == nil then return "—" end
  return string.format("%.2f", v)
end

local function ratio3(v)
  if v == nil then return "—" end
  return string.format("%.3f", v)
end

-- ---- what runs ----

local ports = {}
do
  local line = readfile(TMP .. "/ports") or ""
  for k, v in line:gmatch("(%S+)=(%S+)") do ports[k] = v end
  if not ports.tcp_echo then
    io.stderr:write("run.lua: no peer ports in ", TMP, "/ports\n")
    os.exit(1)
  end
end

-- Each connect-rate run gets a listener of its own (see bench/peer.c).
local accept_ports, accept_next = {}, 0
for p in (ports.tcp_accept or ""):gmatch("%d+") do accept_ports[#accept_ports + 1] = p end
local function accept_port()
  accept_next = accept_next % #accept_ports + 1
  return accept_ports[accept_next]
end

local CLIENT = TMP .. "/client"
local IMPLS = {
  { id = "c", label = "C", argv = { CLIENT } },
  { id = "psock", label = "psock", argv = { "lua5.4", "bench/clients/psock.lua" } },
  { id = "luasocket", label = "LuaSocket", argv = { "lua5.4", "bench/clients/luasocket.lua" } },
  -- Debian 12's lua-posix loads in Lua 5.1-5.3 only
  { id = "luaposix", label = "luaposix (Lua 5.3)",
    argv = { "lua5.3", "bench/clients/luaposix.lua" } },
  { id = "cqueues", label = "cqueues", argv = { "lua5.4", "bench/clients/cqueues.lua" } },
  { id = "luv", label = "luv", argv = { "lua5.4", "bench/clients/luv.lua" } },
  { id = "python", label = "Python", argv = { "python3", "bench/clients/python.py" } },
  -- not a peer: the least any Lua binding can do (bench/floor.c), on the
  -- workloads of the C clauses only
  { id = "floor", label = "Lua floor", argv = { "lua5.4", "bench/clients/floor.lua" } },
}
local IMPL = {}
for _, impl in ipairs(IMPLS) do IMPL[impl.id] = impl end
local PEERS = { "luasocket", "luaposix", "cqueues", "luv", "python" }
local ALL = { "c", "psock", "luasocket", "luaposix", "cqueues", "luv", "python" }
local WITH_FLOOR = { "c", "psock", "floor", "luasocket", "luaposix", "cqueues", "luv", "python" }
local COLUMNS = WITH_FLOOR  -- the tables' columns, in this order

local LOOP = "127.0.0.1"
-- value: the field of the client's output line that is the figure
-- strace/callgrind: the two operation counts of the differencing runs, large
-- enough that the collector and malloc are in their steady state (at 400
-- and 1,200 round trips, libc's share read 322 instructions per round trip
-- against 234 at 4,000 and 8,000)
local WORKLOADS = {
  { id = "tcp_pingpong", what = "TCP ping-pong, 64 B, TCP_NODELAY", unit = "round trips/s",
    args = { LOOP, ports.tcp_echo }, impls = WITH_FLOOR, counts = { 2000, 6000 } },
  { id = "tcp_bulk", what = "TCP bulk, 64 KiB writes", unit = "MiB/s", value = "mib_per_sec",
    args = { LOOP, ports.tcp_sink }, impls = WITH_FLOOR, counts = { 300, 900 } },
  { id = "tcp_bulk_8k", what = "TCP bulk, 8 KiB writes", unit = "MiB/s", value = "mib_per_sec",
    args = { LOOP, ports.tcp_sink }, impls = WITH_FLOOR, counts = { 2400, 7200 } },
  { id = "unix_pingpong", what = "Unix-stream ping-pong, 64 B", unit = "round trips/s",
    args = { ports.unix_echo }, impls = WITH_FLOOR, counts = { 2000, 6000 } },
  { id = "unix_bulk", what = "Unix-stream bulk, 64 KiB writes", unit = "MiB/s",
    value = "mib_per_sec", args = { ports.unix_sink }, impls = WITH_FLOOR,
    counts = { 300, 900 } },
  { id = "udp_pingpong", what = "UDP ping-pong, 64 B", unit = "round trips/s",
    args = { LOOP, ports.udp_echo }, impls = WITH_FLOOR, counts = { 2000, 6000 } },
  { id = "udp_recv_blast", what = "UDP receive, recvfrom, bursts of 128 x 64 B",
    unit = "datagrams/s", args = { LOOP, ports.udp_blast }, impls = ALL,
    seconds = BLAST_SECONDS, counts = { 2560, 7680 } },
  { id = "udp_recv_blast_mmsg", what = "UDP receive, recvmmsg (64 a call)", unit = "datagrams/s",
    args = { LOOP, ports.udp_blast }, impls = { "c", "psock" }, seconds = BLAST_SECONDS,
    counts = { 2560, 7680 } },
  { id = "udp_send_blast", what = "UDP send, sendto, 64 B", unit = "datagrams/s",
    args = { LOOP, ports.udp_sink }, impls = ALL, counts = { 3072, 9216 } },
  { id = "udp_send_blast_mmsg", what = "UDP send, sendmmsg (64 a call)", unit = "datagrams/s",
    args = { LOOP, ports.udp_sink }, impls = { "c", "psock" }, counts = { 3072, 9216 } },
  { id = "connect_accept", what = "TCP connect + close (peer accepts)",
    unit = "connections/s", args = function() return { LOOP, accept_port() } end,
    impls = WITH_FLOOR,
    counts = { 1000, 3000 }, maxops = 12000 },
}
-- The paired-ratio contract (>= 0.95x of C) covers these.
local C_CONTRACT = {
  tcp_pingpong = true, tcp_bulk = true, tcp_bulk_8k = true, unix_pingpong = true,
  unix_bulk = true,
  udp_pingpong = true, connect_accept = true,
}

-- Readiness: its own implementations (ways to wait), same table shape.
local READY_SIZES = { 10, 1000, 10000 }
local READY_IMPLS = {
  { id = "c", label = "C epoll_wait", argv = { CLIENT }, extra = {} },
  { id = "psock", label = "psock poller:wait", argv = IMPL.psock.argv, extra = { "poller" } },
  { id = "psock_select", label = "psock.select", argv = IMPL.psock.argv, extra = { "select" } },
  { id = "luaposix", label = "luaposix poll (Lua 5.3)", argv = IMPL.luaposix.argv,
    extra = {} },
  { id = "luasocket", label = "LuaSocket socket.select", argv = IMPL.luasocket.argv,
    extra = { "select" } },
}
for _, n in ipairs(READY_SIZES) do
  WORKLOADS[#WORKLOADS + 1] = {
    id = "readiness_" .. n, ready = n, unit = "calls/s",
    what = string.format("find 1 ready socket among %d idle", n),
    args = { n }, seconds = READY_SECONDS, counts = { 200, 600 },
    impls = { "c", "psock", "psock_select", "luaposix", "luasocket" },
  }
end

local function entry(w, id)
  if w.ready then
    for _, r in ipairs(READY_IMPLS) do
      if r.id == id then return r end
    end
  end
  return IMPL[id]
end

local function supports(w, id)
  for _, x in ipairs(w.impls) do
    if x == id then return true end
  end
  return false
end

local function client_argv(w, id, seconds, maxops)
  local e = entry(w, id)
  local argv = {}
  for _, a in ipairs(e.argv) do argv[#argv + 1] = a end
  argv[#argv + 1] = w.ready and "readiness" or w.id
  argv[#argv + 1] = string.format("%g", seconds)
  argv[#argv + 1] = tostring(maxops)
  local args = type(w.args) == "function" and w.args() or w.args
  for _, a in ipairs(args) do argv[#argv + 1] = tostring(a) end
  for _, a in ipairs(e.extra or {}) do argv[#argv + 1] = a end
  return argv
end

local function join(argv)
  local t = {}
  for i, a in ipairs(argv) do t[i] = shquote(a) end
  return table.concat(t, " ")
end

local ERRFILE = TMP .. "/stderr"

-- Run one client; returns the fields of its result line, or nil and why.
-- timeout(1) runs in a process group of its own, which a Ctrl-C at the
-- terminal does not reach: its pid (= that group) goes into PIDFILE for the
-- whole of the run, so that bench/run.sh's exit trap can end the group.
local PIDFILE = TMP .. "/client.pid"

local function run_client(prefix, argv)
  local inner = string.format("echo $$ > %s; exec timeout -k 2 %d %s %s", shquote(PIDFILE),
                              RUN_TIMEOUT, prefix, join(argv))
  local cmd = string.format("sh -c %s 2>%s", shquote(inner), shquote(ERRFILE))
  local out = capture(cmd)
  os.remove(PIDFILE)
  local fields = {}
  for k, v in out:gmatch("([%w_]+)=(%S+)") do fields[k] = tonumber(v) or v end
  if not fields.ops_per_sec then
    local err = (readfile(ERRFILE) or ""):gsub("%s+$", "")
    local last = err:match("([^\n]*)$")
    for line in err:gmatch("[^\n]+") do
      if line:find("descriptor too large", 1, true) or line:find("error", 1, true) then
        last = line
        break
      end
    end
    if last == "" then last = "no result (exit or timeout)" end
    return nil, last
  end
  return fields
end

-- ---- the machine ----

local function machine()
  local m = {}
  m.date = capture("date -u '+%Y-%m-%d %H:%M UTC'"):gsub("%s+$", "")
  m.nproc = capture("nproc"):gsub("%s+$", "")
  local cpuinfo = readfile("/proc/cpuinfo") or ""
  m.cpu = cpuinfo:match("model name%s*:%s*([^\n]+)") or "unknown"
  m.kernel = capture("uname -r"):gsub("%s+$", "")
  local cmdline = readfile("/proc/cmdline") or ""
  local flags = cpuinfo:match("\nflags%s*:%s*([^\n]+)") or ""
  if cmdline:find("firecracker", 1, true) then
    m.virt = "Firecracker microVM (KVM guest)"
  elseif capture("dmesg 2>/dev/null | head -n 5"):find("gVisor", 1, true) then
    m.virt = "gVisor sandbox"
  elseif (" " .. flags .. " "):find(" hypervisor ", 1, true) then
    m.virt = "virtual machine (hypervisor flag set)"
  else
    m.virt = "no hypervisor detected"
  end
  if cmdline:find("haltpoll.guest_halt_poll_ns=0", 1, true) then
    m.virt = m.virt .. ", guest halt-polling off"
  end
  m.lua = (capture("lua5.4 -v 2>&1"):match("Lua [%d.]+") or "?") .. " (" ..
          (capture("lua5.3 -v 2>&1"):match("Lua [%d.]+") or "no Lua 5.3") .. " for luaposix)"
  m.python = capture("python3 -V 2>&1"):gsub("%s+$", "")
  m.cc = capture("${CC:-cc} --version 2>/dev/null | head -n 1"):gsub("%s+$", "")
  m.libs = capture("lua5.4 -e " .. shquote(
    "local ok, s = pcall(require, 'socket'); local a = ok and s._VERSION or 'missing'; " ..
    "local ok2, c = pcall(require, 'cqueues'); local b = ok2 and c.VERSION or 'missing'; " ..
    "local ok3, u = pcall(require, 'luv'); local d = ok3 and u.version_string() or 'missing'; " ..
    "local p = require 'psock'; " ..
    "io.write(p._VERSION, ', ', a, ', cqueues ', b, ', luv ', d)") .. " 2>&1"):gsub("%s+$", "")
  m.libs = m.libs .. ", " .. capture("lua5.3 -e " .. shquote(
    "local ok, p = pcall(require, 'posix'); io.write(ok and p.version or 'luaposix missing')") ..
    " 2>&1"):gsub("%s+$", "")
  return m
end

-- ---- the rounds ----

local CONFIGS = {
  { id = "same", cpu = 0, label = "same CPU: peer and client both on CPU 0" },
  { id = "split", cpu = 1, label = "split CPUs: peer on CPU 0, client on CPU 1" },
}

local results = {}   -- results[config][workload][impl] = { [round] = value }
local failures = {}  -- failures[config][workload][impl] = message
local csv = { "config,workload,implementation,round,position,ops,seconds,ops_per_sec," ..
              "mib_per_sec,value,unit,error" }

local function csv_field(v)
  v = tostring(v == nil and "" or v)
  if v:find('[,"\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
  return v
end

local LOAD_AT_START = (readfile("/proc/loadavg") or ""):match("^(%S+ %S+ %S+)") or "?"
local started = os.time()
for _, cfg in ipairs(CONFIGS) do
  results[cfg.id], failures[cfg.id] = {}, {}
  for _, w in ipairs(WORKLOADS) do
    local res, fail = {}, {}
    results[cfg.id][w.id], failures[cfg.id][w.id] = res, fail
    for _, id in ipairs(w.impls) do res[id] = {} end
    io.stderr:write(string.format("[%4ds] %s: %s ", os.time() - started, cfg.id, w.id))
    for round = 1, ROUNDS do
      local order = {}
      for i, id in ipairs(w.impls) do
        order[round % 2 == 1 and i or #w.impls + 1 - i] = id
      end
      for pos, id in ipairs(order) do
        if not fail[id] then
          local argv = client_argv(w, id, w.seconds or SECONDS, w.maxops or MAXOPS)
          local f, err = run_client("taskset -c " .. cfg.cpu, argv)
          local value = f and f[w.value or "ops_per_sec"]
          if f and value then
            res[id][round] = value
          else
            fail[id] = err or "no value"
          end
          csv[#csv + 1] = table.concat({
            cfg.id, w.id, id, round, pos, f and f.ops or "", f and f.seconds or "",
            f and f.ops_per_sec or "", f and f.mib_per_sec or "", value or "", w.unit,
            csv_field(not f and (err or "") or ""),
          }, ",")
        end
      end
      io.stderr:write(".")
    end
    io.stderr:write("\n")
  end
end
writefile(CSV, table.concat(csv, "\n") .. "\n")

-- ---- statistics ----

local function values(cfg, wid, id)
  local t = {}
  local r = results[cfg][wid][id]
  if not r then return t end
  for round = 1, ROUNDS do
    if r[round] then t[#t + 1] = r[round] end
  end
  return t
end

-- median over rounds of a[round] / b[round]
local function paired(cfg, wid, a, b)
  local ra, rb = results[cfg][wid][a], results[cfg][wid][b]
  if not ra or not rb then return nil end
  local t = {}
  for round = 1, ROUNDS do
    if ra[round] and rb[round] then t[#t + 1] = ra[round] / rb[round] end
  end
  return median(t)
end

local function best_peer(cfg, w)
  local best, bestv
  for _, id in ipairs(PEERS) do
    local m = median(values(cfg, w.id, id))
    if m and (not bestv or m > bestv) then best, bestv = id, m end
  end
  return best
end

-- ---- system calls per operation ----

local function strace_counts(path)
  local counts, text = {}, readfile(path) or ""
  for line in text:gmatch("[^\n]+") do
    -- % time, seconds, usecs/call, calls, [errors,] syscall
    local calls, rest = line:match("^%s*[%d.]+%s+[%d.]+%s+%d+%s+(%d+)%s+(.-)%s*$")
    if calls and rest ~= "total" then
      local name = rest:match("(%S+)$")
      if name ~= "total" then counts[name] = (counts[name] or 0) + tonumber(calls) end
    end
  end
  return counts
end

-- Run a client at the workload's two operation counts under a counting
-- tool; count(path) reads the tool's output into { name = calls }.  Returns
-- { total = calls per operation, list = { {name, per op}... } } | { err = }.
local function differenced(w, id, prefix, count)
  local runs = {}
  for i, n in ipairs(w.counts) do
    local out = TMP .. "/count." .. i
    os.remove(out)
    local f, err = run_client(prefix(out), client_argv(w, id, 1000, n))
    if not f then return { err = err } end
    runs[i] = { ops = f.ops, counts = count(out) }
  end
  local dops = runs[2].ops - runs[1].ops
  if dops <= 0 then return { err = "no operations" } end
  local list, total, names = {}, 0, {}
  for name in pairs(runs[2].counts) do names[name] = true end
  for name in pairs(runs[1].counts) do names[name] = true end
  for name in pairs(names) do
    local per = ((runs[2].counts[name] or 0) - (runs[1].counts[name] or 0)) / dops
    total = total + per
    if per >= 0.005 then list[#list + 1] = { name, per } end
  end
  table.sort(list, function(x, y) return x[2] > y[2] end)
  return { total = total, list = list }
end

-- perf stat counting the raw_syscalls:sys_enter tracepoint: the kernel
-- counts, the client is never stopped, so its timing (and with it how often
-- a non-blocking client meets EAGAIN) is close to an unobserved run.
local PERF_EVENT = "raw_syscalls:sys_enter"
local function perf_counts(path)
  local text = readfile(path) or ""
  local n = text:match("\n(%d+),[^\n]*" .. PERF_EVENT:gsub("%p", "%%%0"))
  return { total = tonumber(n) or 0 }
end

-- syscalls.perf[config][workload][impl], syscalls.strace[workload][impl]
local syscalls = { perf = {}, strace = {} }
local STRACE_CFG = CONFIGS[2]  -- strace with the client on its own CPU
local have_perf = DO_STRACE and os.execute("perf stat -x, -o /dev/null -e " .. PERF_EVENT ..
                                           " true >/dev/null 2>&1") == true
local have_strace = DO_STRACE and have("strace")
for _, w in ipairs(WORKLOADS) do
  syscalls.strace[w.id] = {}
  for _, cfg in ipairs(CONFIGS) do
    syscalls.perf[cfg.id] = syscalls.perf[cfg.id] or {}
    syscalls.perf[cfg.id][w.id] = {}
  end
end
if have_perf then
  for _, cfg in ipairs(CONFIGS) do
    io.stderr:write(string.format("[%4ds] %s: system calls per operation (perf stat -e %s)\n",
                                  os.time() - started, cfg.id, PERF_EVENT))
    for _, w in ipairs(WORKLOADS) do
      for _, id in ipairs(w.impls) do
        if not failures[cfg.id][w.id][id] then
          syscalls.perf[cfg.id][w.id][id] = differenced(w, id, function(out)
            return "taskset -c " .. cfg.cpu .. " perf stat -x, -o " .. shquote(out) ..
                   " -e " .. PERF_EVENT
          end, perf_counts)
        end
      end
    end
  end
end
if have_strace then
  io.stderr:write(string.format("[%4ds] %s: system calls per operation (strace -f -c)\n",
                                os.time() - started, STRACE_CFG.id))
  for _, w in ipairs(WORKLOADS) do
    for _, id in ipairs(w.impls) do
      if not failures[STRACE_CFG.id][w.id][id] then
        syscalls.strace[w.id][id] = differenced(w, id, function(out)
          return "taskset -c " .. STRACE_CFG.cpu .. " strace -f -c -o " .. shquote(out)
        end, strace_counts)
      end
    end
  end
end

-- ---- instructions per operation (callgrind) ----

-- Self cost per object file and per function, from a callgrind output file.
local function callgrind_costs(path)
  local text = readfile(path) or ""
  local names = { ob = {}, fn = {} }
  local byob, byfn, total = {}, {}, 0
  local ob, fn, skip = "?", "?", false
  local function name(kind, spec)
    local id, rest = spec:match("^(%(%d+%))%s*(.*)$")
    if id then
      if rest ~= "" then names[kind][id] = rest end
      return names[kind][id] or id
    end
    return spec
  end
  for line in text:gmatch("[^\n]+") do
    local key, val = line:match("^(%a+)=(.*)$")
    local sum = line:match("^summary:%s*(%d+)") or line:match("^totals:%s*(%d+)")
    if sum then
      total = tonumber(sum)
    elseif key == "ob" then
      ob = name("ob", val)
    elseif key == "fn" then
      fn = name("fn", val)
    elseif key == "cob" then
      name("ob", val)
    elseif key == "cfn" or key == "cfi" or key == "cfl" then
      if key == "cfn" then name("fn", val) end
    elseif key == "calls" then
      skip = true
    elseif not key and line:match("^[%d+%-*]") then
      if skip then
        skip = false
      else
        local cost = tonumber(line:match("^%S+%s+(%d+)"))
        if cost then
          local o = ob:match("([^/]+)$") or ob
          byob[o] = (byob[o] or 0) + cost
          local k = fn .. " [" .. o .. "]"
          byfn[k] = (byfn[k] or 0) + cost
        end
      end
    end
  end
  return { total = total, byob = byob, byfn = byfn }
end

local function diff_per_op(a, b, dops)
  local out = {}
  for k, v in pairs(b) do out[k] = (v - (a[k] or 0)) / dops end
  return out
end

-- bench/run.sh builds a lua with the interpreter's symbols when it can.
local SYMBOL_LUA = TMP .. "/lua"
local have_symbol_lua = readfile(SYMBOL_LUA) ~= nil

local function measure_instructions(w, id)
  local runs = {}
  for i, n in ipairs(w.counts) do
    local out = TMP .. "/callgrind." .. i
    os.remove(out)
    local argv = client_argv(w, id, 1000, n)
    if argv[1] == "lua5.4" and have_symbol_lua then argv[1] = SYMBOL_LUA end
    local f, err = run_client("taskset -c 1 valgrind -q --tool=callgrind --callgrind-out-file=" ..
                              shquote(out), argv)
    if not f then return { err = err } end
    runs[i] = { ops = f.ops, costs = callgrind_costs(out) }
  end
  local dops = runs[2].ops - runs[1].ops
  if dops <= 0 then return { err = "no operations" } end
  local a, b = runs[1].costs, runs[2].costs
  return {
    total = (b.total - a.total) / dops,
    byob = diff_per_op(a.byob, b.byob, dops),
    byfn = diff_per_op(a.byfn, b.byfn, dops),
  }
end

local instructions = {}  -- instructions[workload] = { c = ..., psock = ... }
local slow = {}          -- workloads where psock is more than 5% slower than C
for _, w in ipairs(WORKLOADS) do
  for _, cfg in ipairs(CONFIGS) do
    local r = paired(cfg.id, w.id, "psock", "c")
    if r and r < 0.95 then slow[w.id] = true end
  end
end
if DO_CALLGRIND and have("valgrind") then
  io.stderr:write(string.format("[%4ds] instructions per operation (callgrind)\n",
                                os.time() - started))
  for _, w in ipairs(WORKLOADS) do
    if slow[w.id] then
      instructions[w.id] = { c = measure_instructions(w, "c"),
                             psock = measure_instructions(w, "psock") }
      if supports(w, "floor") then
        instructions[w.id].floor = measure_instructions(w, "floor")
      end
    end
  end
end

-- ---- the report ----

local out = {}
local function add(...)
  out[#out + 1] = table.concat({ ... })
end

local m = machine()
add(BEGIN_MARK)
add("")
add("## Results")
add("")
add("Run on ", m.date, " by `make bench` (`sh bench/run.sh`): ", ROUNDS,
    " rounds, about ", SECONDS, " s per client run (UDP receive: ",
    string.format("%.2f", BLAST_SECONDS), " s of wall time, of which only the receiving is ",
    "timed; readiness: ", string.format("%.2f", READY_SECONDS), " s), total ",
    os.time() - started, " s.")
add("")
add("| machine | |")
add("|---|---|")
add("| CPUs (nproc) | ", m.nproc, " |")
add("| CPU model | ", m.cpu, " |")
add("| kernel | ", m.kernel, " |")
add("| virtualization | ", m.virt, " |")
add("| software | ", m.lua, ", ", m.python, ", ", m.cc, " |")
add("| libraries | ", m.libs, " |")
add("| load average (1, 5, 15 min) at start | ", LOAD_AT_START, " |")
add("")
add("Figures are medians over the rounds with (min–max); higher is better, except ",
    "readiness in µs per call. Ratios are **paired**: for each round the one ",
    "implementation's figure divided by the other's from the same round, then the ",
    "median of those per-round ratios. \"best peer\" is the peer (LuaSocket, luaposix, ",
    "cqueues, luv, Python) with the highest median on that line. A ratio in **bold** is below the ",
    "contract's threshold (0.95 of C on the ping-pong, bulk and connect lines; 1.0 of the ",
    "best peer), even where rounding to two places shows 0.95 or 1.00.")
add("")

local function label(w, id)
  return entry(w, id).label
end

local column_labels
local column_at = {}
do
  local t = {}
  for i, id in ipairs(COLUMNS) do t[i], column_at[id] = IMPL[id].label, i end
  column_labels = table.concat(t, " | ")
end

for _, cfg in ipairs(CONFIGS) do
  add("### ", cfg.label)
  add("")
  add("| workload | unit | ", column_labels, " |")
  add("|---|---|", string.rep("---|", #COLUMNS))
  for _, w in ipairs(WORKLOADS) do
    if not w.ready then
      local cells = {}
      for i, id in ipairs(COLUMNS) do
        local v = values(cfg.id, w.id, id)
        local fail = failures[cfg.id][w.id][id]
        if not supports(w, id) then
          cells[i] = "n/a"
        elseif #v == 0 then
          cells[i] = "fails: " .. (fail or "?")
        else
          local lo, hi = minmax(v)
          cells[i] = num(median(v)) .. " (" .. num(lo) .. "–" .. num(hi) .. ")"
          if fail then cells[i] = cells[i] .. " (then failed: " .. fail .. ")" end
        end
      end
      add("| ", w.id, " | ", w.unit, " | ", table.concat(cells, " | "), " |")
    end
  end
  add("")
  add("Paired ratios, ", cfg.id, ":")
  add("")
  add("| workload | psock/C | Lua floor/C | LuaSocket/C | luaposix/C | cqueues/C | luv/C | " ..
      "Python/C | psock/Lua floor | best peer | psock/best peer |")
  add("|---|---|---|---|---|---|---|---|---|---|---|")
  for _, w in ipairs(WORKLOADS) do
    if not w.ready then
      local cells = {}
      for i, id in ipairs({ "psock", "floor", "luasocket", "luaposix", "cqueues", "luv",
                            "python" }) do
        local r = paired(cfg.id, w.id, id, "c")
        cells[i] = r and ratio(r) or "n/a"
        if id == "psock" and r and C_CONTRACT[w.id] and r < 0.95 then
          cells[i] = "**" .. cells[i] .. "**"
        end
      end
      cells[#cells + 1] = ratio(paired(cfg.id, w.id, "psock", "floor")):gsub("—", "n/a")
      local best = best_peer(cfg.id, w)
      local pb = best and paired(cfg.id, w.id, "psock", best)
      local pbs = pb and ratio(pb) or "n/a"
      if pb and pb < 1 then pbs = "**" .. pbs .. "**" end
      add("| ", w.id, " | ", table.concat(cells, " | "), " | ",
          best and IMPL[best].label or "n/a", " | ", pbs, " |")
    end
  end
  add("")
  add("Readiness, ", cfg.id, " (µs per call, median (min–max); speed ratio = C time / time):")
  add("")
  add("| idle sockets | C epoll_wait | psock poller:wait | psock.select | " ..
      "luaposix poll | LuaSocket socket.select | poller vs C | poller vs poller at 10 |")
  add("|---|---|---|---|---|---|---|---|")
  local poller10
  for _, n in ipairs(READY_SIZES) do
    local wid = "readiness_" .. n
    local cells = {}
    for i, id in ipairs({ "c", "psock", "psock_select", "luaposix", "luasocket" }) do
      local v = values(cfg.id, wid, id)
      if #v == 0 then
        cells[i] = "fails: " .. (failures[cfg.id][wid][id] or "?")
      else
        local us = {}
        for j, x in ipairs(v) do us[j] = 1e6 / x end
        local lo, hi = minmax(us)
        cells[i] = string.format("%.2f (%.2f–%.2f)", median(us), lo, hi)
      end
    end
    local pm = median(values(cfg.id, wid, "psock"))
    if n == READY_SIZES[1] then poller10 = pm end
    local vs10 = (pm and poller10) and ratio(pm / poller10) or "—"
    add("| ", n, " | ", table.concat(cells, " | "), " | ",
        ratio(paired(cfg.id, wid, "psock", "c")), " | ", vs10, " |")
  end
  add("")
end

-- the contract, one line each
add("### The performance contract, checked")
add("")
add("| clause | same CPU | split CPUs | met |")
add("|---|---|---|---|")
for _, w in ipairs(WORKLOADS) do
  if C_CONTRACT[w.id] then
    -- beside psock/C: the Lua floor's own ratio to C, the most any binding reaches
    local cells, met = {}, true
    for i, cfg in ipairs(CONFIGS) do
      local r = paired(cfg.id, w.id, "psock", "c")
      local f = paired(cfg.id, w.id, "floor", "c")
      cells[i] = ratio3(r) .. (f and (" (Lua floor " .. ratio3(f) .. ")") or "")
      met = met and r ~= nil and r >= 0.95
    end
    add("| ", w.id, ": psock >= 0.95x C | ", cells[1], " | ", cells[2], " | ",
        met and "yes" or "**no**", " |")
  end
end
for _, w in ipairs(WORKLOADS) do
  if #w.impls > 2 then
    local worst = {}
    for _, cfg in ipairs(CONFIGS) do
      local lo, who, failed
      for _, id in ipairs(PEERS) do
        local r = paired(cfg.id, w.id, "psock", id)
        if r and (not lo or r < lo) then lo, who = r, id end
        if failures[cfg.id][w.id][id] then failed = id end
      end
      worst[cfg.id] = lo and (ratio3(lo) .. " (vs " .. IMPL[who].label .. ")") or "—"
      if failed and not lo then
        worst[cfg.id] = IMPL[failed].label .. " fails"
        lo = math.huge
      end
      worst[cfg.id .. "v"] = lo
    end
    add("| ", w.id, ": psock >= 1.0x every peer (lowest paired ratio) | ", worst.same, " | ",
        worst.split, " | ", (worst.samev and worst.splitv and worst.samev >= 1
        and worst.splitv >= 1) and "yes" or "**no**", " |")
  end
end
do
  local cells, ok = {}, true
  for i, cfg in ipairs(CONFIGS) do
    local a = median(values(cfg.id, "udp_recv_blast_mmsg", "psock"))
    local b = median(values(cfg.id, "udp_recv_blast", "c"))
    local c = median(values(cfg.id, "udp_recv_blast_mmsg", "c"))
    cells[i] = (a and b) and string.format("%.2f (C recvmmsg: %.2f)", a / b, c and c / b or 0)
               or "—"
    ok = ok and a and b and a / b >= 2
  end
  add("| psock recvmmsg >= 2x C recvfrom loop (ratio of medians) | ", cells[1], " | ", cells[2],
      " | ", ok and "yes" or "**no**", " |")
end
do
  local cells, ok = {}, true
  for i, cfg in ipairs(CONFIGS) do
    local big = "readiness_" .. READY_SIZES[#READY_SIZES]
    local small = "readiness_" .. READY_SIZES[1]
    local pc = median(values(cfg.id, big, "c"))
    local pp = median(values(cfg.id, big, "psock"))
    local p10 = median(values(cfg.id, small, "psock"))
    if pc and pp and p10 then
      -- rates: time ratio = rate_c / rate_psock
      cells[i] = string.format("%.2fx C, %.2fx N=10", pc / pp, p10 / pp)
      ok = ok and pc / pp <= 2 and p10 / pp <= 2
    else
      cells[i], ok = "—", false
    end
  end
  add("| poller among 10,000 idle: time within 2x of C epoll_wait and of N=10 | ", cells[1],
      " | ", cells[2], " | ", ok and "yes" or "**no**", " |")
end
add("")

if have_perf or have_strace then
  add("### System calls per operation")
  add("")
  add("Each client at two operation counts; the difference in system calls divided by the ",
      "difference in operations, so start-up is not counted. An operation is one round ",
      "trip, one 64 KiB write, one datagram, one connection or one readiness wait; failed ",
      "calls (EAGAIN...) count. Each cell: the totals from `perf stat -e ", PERF_EVENT,
      "` with the client on the same CPU as the peer / on its own CPU, then the ",
      "breakdown from `strace -f -c` (", STRACE_CFG.id, " CPUs). perf only counts in the ",
      "kernel; strace stops the client at every call, so a non-blocking client (LuaSocket, ",
      "cqueues, luv) finds its reply already there more often under strace than it ",
      "really does: where the two disagree, the perf total is the one to believe, and ",
      "the strace breakdown shows which calls there are.")
  add("")
  local function cell(w, id)
    local parts = {}
    for i, cfg in ipairs(CONFIGS) do
      local x = syscalls.perf[cfg.id][w.id][id]
      parts[i] = not x and "—" or x.err and "fails" or string.format("%.2f", x.total)
    end
    local head = "**" .. table.concat(parts, " / ") .. "**"
    local x = syscalls.strace[w.id][id]
    if not x then return head end
    if x.err then return head .. "; strace fails: " .. x.err end
    local t = {}
    for i = 1, math.min(#x.list, 5) do
      t[i] = string.format("%s %.2f", x.list[i][1], x.list[i][2])
    end
    return string.format("%s; strace %.2f: %s", head, x.total, table.concat(t, ", "))
  end
  add("| workload | ", column_labels, " |")
  add("|---|", string.rep("---|", #COLUMNS))
  for _, w in ipairs(WORKLOADS) do
    local cells = {}
    for i, id in ipairs(COLUMNS) do
      cells[i] = supports(w, id) and cell(w, id) or "n/a"
    end
    if w.ready then
      cells[column_at.psock] = "poller " .. cell(w, "psock") .. "<br>select " ..
                               cell(w, "psock_select")
      cells[column_at.luasocket] = failures.same[w.id].luasocket and "fails" or
                                   cell(w, "luasocket")
    end
    add("| ", w.id, " | ", table.concat(cells, " | "), " |")
  end
  add("")
end

if next(instructions) then
  add("### Instructions per operation where psock is more than 5% slower than C")
  add("")
  add("`valgrind --tool=callgrind`, user-space instructions only (the kernel's work is ",
      "not counted), two operation counts differenced as above, client on CPU 1. ",
      have_symbol_lua and ("The Lua clients run in `bench/lua.c`, the interpreter linked " ..
      "from Debian's static liblua5.4.a, so that its own functions have names. ") or
      "Debian's lua5.4 is stripped: only its exported lua_*/luaL_* functions have names. ",
      "\"by object\" splits the instructions per operation by the object they run in ",
      "(`lua` is the interpreter, `psock.so` psock's C, `floor.so` the Lua floor's, libc's ",
      "are mostly `malloc` and `free` of result strings); the top functions are by self ",
      "cost per operation.")
  add("")
  add("| workload | C instr/op | Lua floor instr/op | psock instr/op | Lua floor by object | " ..
      "psock by object | psock's top functions |")
  add("|---|---|---|---|---|---|---|")
  for _, w in ipairs(WORKLOADS) do
    local ins = instructions[w.id]
    if ins then
      local c, p = ins.c, ins.psock
      local function objs(x)
        if not x or x.err then return x and ("fails: " .. x.err) or "—" end
        local t = {}
        for k, v in pairs(x.byob) do if v >= 1 then t[#t + 1] = { k, v } end end
        table.sort(t, function(a, b) return a[2] > b[2] end)
        local parts = {}
        for i = 1, math.min(#t, 4) do parts[i] = string.format("%s %.0f", t[i][1], t[i][2]) end
        return table.concat(parts, ", ")
      end
      local function fns(x)
        if not x or x.err then return "—" end
        local t = {}
        for k, v in pairs(x.byfn) do
          if v >= 1 and not k:find("^0x") then t[#t + 1] = { k, v } end
        end
        table.sort(t, function(a, b) return a[2] > b[2] end)
        local parts = {}
        for i = 1, math.min(#t, 6) do
          parts[i] = string.format("%s %.0f", t[i][1]:gsub("|", "\\|"), t[i][2])
        end
        return table.concat(parts, ", ")
      end
      local function tot(x)
        if not x then return "—" end
        if x.err then return "fails: " .. x.err end
        return string.format("%.0f", x.total)
      end
      local fl = ins.floor
      add("| ", w.id, " | ", tot(c), " | ", tot(fl), " | ", tot(p), " | ", objs(fl), " | ",
          objs(p), " | ", fns(p), " |")
    end
  end
  add("")
end

local anyfail = false
for _, cfg in ipairs(CONFIGS) do
  for _, w in ipairs(WORKLOADS) do
    for id, msg in pairs(failures[cfg.id][w.id]) do
      if not anyfail then
        add("### Failures")
        add("")
        anyfail = true
      end
      add("- ", cfg.id, ", ", w.id, ", ", label(w, id), ": `", msg, "`")
    end
  end
end
if anyfail then add("") end
add("Raw figures of every round: `bench/results.csv`.")
add("")
add(END_MARK)

local section = table.concat(out, "\n") .. "\n"
local readme = readfile(README) or "# psock benchmarks\n\n"
local head, tail = readme:find(BEGIN_MARK, 1, true), readme:find(END_MARK, 1, true)
if head and tail then
  readme = readme:sub(1, head - 1) .. section .. readme:sub(tail + #END_MARK + 1)
else
  readme = readme:gsub("\n*$", "\n\n") .. section
end
writefile(README, readme)
io.write(section)
io.stderr:write(string.format("[%4ds] done: %s and the results section of %s written\n",
                              os.time() - started, CSV, README))
