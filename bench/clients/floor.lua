-- bench/clients/floor.lua: "the Lua floor", bench/floor.c's bare functions
-- on integer descriptors in the same loops as bench/clients/psock.lua, so
-- that the two differ only in the binding.  Its figure over C's is what
-- the interpreter costs any Lua binding; psock's over this one is what
-- psock adds.  bench/run.sh builds floor.so beside the other programs and
-- puts it on LUA_CPATH.
--
--   lua5.4 bench/clients/floor.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- The workloads of the contract's C clauses only: tcp_pingpong,
-- unix_pingpong, udp_pingpong, tcp_bulk, tcp_bulk_8k, unix_bulk,
-- connect_accept.
local floor = require "floor"

local MSG_SIZE, DGRAM_BUF, CHECK = 64, 2048, 16

local workload, seconds, maxops = arg[1], tonumber(arg[2]), math.tointeger(tonumber(arg[3]))
if not (workload and seconds and maxops) then
  io.stderr:write("usage: floor.lua WORKLOAD SECONDS MAXOPS ARGS...\n")
  os.exit(2)
end
local CHUNK = workload == "tcp_bulk_8k" and 8192 or 65536
local now = floor.now

local function check(v, msg, ...)
  if v == nil then error("errno " .. tostring(msg), 2) end
  return v, msg, ...
end

local function report(ops, secs, bulk)
  local line = string.format("ops=%d seconds=%.6f ops_per_sec=%.1f", ops, secs, ops / secs)
  if bulk then
    line = line .. string.format(" mib_per_sec=%.2f", ops * CHUNK / 1048576 / secs)
  end
  print(line)
end

local function connect_stream(family, addr)
  local fd = check(floor.socket(family, "stream"))
  check(floor.connect(fd, addr))
  return fd
end

local function bulk(fd)
  local chunk = string.rep("x", CHUNK)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and now() < deadline do
    local done = 0
    while done < CHUNK do
      local n, err = floor.send(fd, done == 0 and chunk or chunk:sub(done + 1))
      if not n then error("errno " .. err) end
      done = done + n
    end
    ops = ops + 1
  end
  check(floor.shutdown_wr(fd))
  local reply = ""
  repeat
    local d = check(floor.recv(fd, 64))
    reply = reply .. d
  until d == ""
  if tonumber(reply) ~= ops * CHUNK then
    error("sink counted " .. reply .. ", sent " .. ops .. " chunks")
  end
  report(ops, now() - t0, true)
  floor.close(fd)
end

local function pingpong(fd)
  local msg = string.rep("p", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local n, err = floor.send(fd, msg)
    if not n then error("errno " .. err) end
    local d, rerr = floor.recv(fd, MSG_SIZE)
    if not d then error("errno " .. rerr) end
    local got = #d
    while got < MSG_SIZE do
      d, rerr = floor.recv(fd, MSG_SIZE - got)
      if not d then error("errno " .. rerr) end
      if d == "" then error("recv: end of stream") end
      got = got + #d
    end
    ops = ops + 1
  end
  report(ops, now() - t0)
  floor.close(fd)
end

local function udp_pingpong(addr)
  local fd = check(floor.socket("inet", "dgram"))
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local n, err = floor.sendto(fd, msg, addr)
    if not n then error("errno " .. err) end
    local d, rerr = floor.recvfrom(fd, DGRAM_BUF)
    if not d then error("errno " .. rerr) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  floor.close(fd)
end

local function connect_accept(addr)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local fd, err = floor.socket("inet", "stream")
    if not fd then error("errno " .. err) end
    local ok, cerr = floor.connect(fd, addr)
    if not ok then error("errno " .. cerr) end
    floor.close(fd)
    ops = ops + 1
  end
  report(ops, now() - t0)
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  bulk(connect_stream("inet", floor.inet(a1, port)))
elseif workload == "unix_bulk" then
  bulk(connect_stream("unix", floor.unixaddr(a1)))
elseif workload == "tcp_pingpong" then
  local fd = connect_stream("inet", floor.inet(a1, port))
  check(floor.nodelay(fd))
  pingpong(fd)
elseif workload == "unix_pingpong" then
  pingpong(connect_stream("unix", floor.unixaddr(a1)))
elseif workload == "udp_pingpong" then
  udp_pingpong(floor.inet(a1, port))
elseif workload == "connect_accept" then
  connect_accept(floor.inet(a1, port))
else
  io.stderr:write("unknown workload ", workload, "\n")
  os.exit(2)
end
