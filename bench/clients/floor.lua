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

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, DGRAM_BUF, CHECK = common.MSG_SIZE, common.DGRAM_BUF, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("floor.lua")
local report, check = common.reporter(CHUNK), common.check
local now = floor.now

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
      if not n then error(err) end
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
    if not n then error(err) end
    local d, rerr = floor.recv(fd, MSG_SIZE)
    if not d then error(rerr) end
    local got = #d
    while got < MSG_SIZE do
      d, rerr = floor.recv(fd, MSG_SIZE - got)
      if not d then error(rerr) end
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
    if not n then error(err) end
    local d, rerr = floor.recvfrom(fd, DGRAM_BUF)
    if not d then error(rerr) end
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
    if not fd then error(err) end
    local ok, cerr = floor.connect(fd, addr)
    if not ok then error(cerr) end
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
