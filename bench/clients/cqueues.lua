-- bench/clients/cqueues.lua: the cqueues client (Debian lua-cqueues).
-- cqueues sockets only work inside a controller's coroutine: each workload
-- runs as one coroutine of one controller, in binary mode with output
-- unbuffered ("bn") so that a write is a send.  Its datagram sockets are
-- connected (cqueues has no sendto/recvfrom), so the UDP workloads use
-- send/recv on a connected socket where the others use sendto/recvfrom.
--
--   lua5.4 bench/clients/cqueues.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- No recvmmsg/sendmmsg and no readiness workload here.
local cqueues = require "cqueues"
local socket = require "cqueues.socket"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, DGRAM_BUF, BATCH, BURST, CHECK =
  common.MSG_SIZE, common.DGRAM_BUF, common.BATCH, common.BURST, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("cqueues.lua")
local report, check = common.reporter(CHUNK), common.check
local now = cqueues.monotime

local function open(opts)
  local s = check(socket.connect(opts))
  s:setmode("bn", "bn")
  check(s:connect())
  return s
end

local function bulk(s)
  local chunk = string.rep("x", CHUNK)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and now() < deadline do
    local ok, err = s:write(chunk)
    if not ok then error(err) end
    ops = ops + 1
  end
  check(s:flush())
  check(s:shutdown("w"))
  local reply = check(s:read("*a"))
  if tonumber(reply) ~= ops * CHUNK then
    error("sink counted " .. reply .. ", sent " .. ops .. " chunks")
  end
  report(ops, now() - t0, true)
  s:close()
end

local function pingpong(s)
  local msg = string.rep("p", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local ok, err = s:write(msg)
    if not ok then error(err) end
    local back, rerr = s:read(MSG_SIZE)
    if not back then error(rerr or "end of stream") end
    if #back ~= MSG_SIZE then error("short read") end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

local function udp(host, port)
  return open { host = host, port = port, type = socket.SOCK_DGRAM }
end

local function udp_pingpong(host, port)
  local s = udp(host, port)
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local ok, err = s:write(msg)
    if not ok then error(err) end
    local d, rerr = s:read(DGRAM_BUF)
    if not d then error(rerr or "no datagram") end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

-- Bursts of BURST datagrams queued by the blaster; only receiving is timed.
local function recv_blast(host, port)
  local data = udp(host, port)
  local ctl = udp(host, port)
  local _, _, dport = check(data:localname())
  local request = string.format("B %d %d", BURST, dport)
  local ops, timed = 0, 0.0
  local deadline = now() + seconds
  while ops < maxops and now() < deadline do
    check(ctl:write(request))
    check(ctl:read(64))
    local t0 = now()
    local got = 0
    while got < BURST do
      local d, err = data:read(DGRAM_BUF)
      if not d then error(err or "no datagram") end
      got = got + 1
    end
    timed = timed + (now() - t0)
    ops = ops + got
  end
  report(ops, timed)
  data:close()
  ctl:close()
end

local function send_blast(host, port)
  local s = udp(host, port)
  local msg = string.rep("b", MSG_SIZE)
  local ops, checked = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops do
    local ok, err = s:write(msg)
    if not ok then error(err) end
    ops = ops + 1
    if ops - checked >= BATCH then
      checked = ops
      if now() >= deadline then break end
    end
  end
  report(ops, now() - t0)
  s:close()
end

local function connect_accept(host, port)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local s, err = socket.connect { host = host, port = port }
    if not s then error(err) end
    local ok, cerr = s:connect()
    if not ok then error(cerr) end
    s:close()
    ops = ops + 1
  end
  report(ops, now() - t0)
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
local body
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  body = function() bulk(open { host = a1, port = port }) end
elseif workload == "unix_bulk" then
  body = function() bulk(open { path = a1 }) end
elseif workload == "tcp_pingpong" then
  body = function() pingpong(open { host = a1, port = port, nodelay = true }) end
elseif workload == "unix_pingpong" then
  body = function() pingpong(open { path = a1 }) end
elseif workload == "udp_pingpong" then
  body = function() udp_pingpong(a1, port) end
elseif workload == "udp_recv_blast" then
  body = function() recv_blast(a1, port) end
elseif workload == "udp_send_blast" then
  body = function() send_blast(a1, port) end
elseif workload == "connect_accept" then
  body = function() connect_accept(a1, port) end
else
  io.stderr:write("unsupported workload ", workload, "\n")
  os.exit(3)
end

local cq = cqueues.new()
cq:wrap(body)
local ok, err = cq:loop()
if not ok then
  io.stderr:write("cqueues: ", tostring(err), "\n")
  os.exit(1)
end
