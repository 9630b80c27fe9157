-- bench/clients/luasocket.lua: the LuaSocket client (Debian lua-socket,
-- LuaSocket 3.0), written the way its manual suggests, with the default
-- timeout (block forever).  LuaSocket keeps every socket non-blocking and
-- waits with poll(2) itself, and its send() writes in 8 KiB steps.
--
--   lua5.4 bench/clients/luasocket.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- No recvmmsg/sendmmsg in LuaSocket, so no *_mmsg workloads.
-- readiness N select: socket.select over N idle Unix-stream connections
-- made with socket.unix (select(2) underneath: descriptors above 1023 fail).
local socket = require "socket"
local unix = require "socket.unix"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, DGRAM_BUF, BATCH, BURST, CHECK =
  common.MSG_SIZE, common.DGRAM_BUF, common.BATCH, common.BURST, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("luasocket.lua")
local report, check = common.reporter(CHUNK), common.check
local now = socket.gettime

local function bulk(s)
  local chunk = string.rep("x", CHUNK)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and now() < deadline do
    local last, err = s:send(chunk)
    if not last then error(err) end
    ops = ops + 1
  end
  check(s:shutdown("send"))
  local reply = check(s:receive("*a"))
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
    local last, err = s:send(msg)
    if not last then error(err) end
    local d, rerr = s:receive(MSG_SIZE)
    if not d then error(rerr) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

local function udp_pingpong(host, port)
  local s = check(socket.udp())
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local ok, err = s:sendto(msg, host, port)
    if not ok then error(err) end
    local d, rerr = s:receivefrom(DGRAM_BUF)
    if not d then error(rerr) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

-- Bursts of BURST datagrams queued by the blaster; only receiving is timed.
local function recv_blast(host, port)
  local data = check(socket.udp())
  local ctl = check(socket.udp())
  check(data:setsockname("127.0.0.1", 0))
  local _, dport = check(data:getsockname())
  local request = string.format("B %d %d", BURST, dport)
  local ops, timed = 0, 0.0
  local deadline = now() + seconds
  while ops < maxops and now() < deadline do
    check(ctl:sendto(request, host, port))
    check(ctl:receivefrom(64))
    local t0 = now()
    local got = 0
    while got < BURST do
      local d, err = data:receivefrom(DGRAM_BUF)
      if not d then error(err) end
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
  local s = check(socket.udp())
  local msg = string.rep("b", MSG_SIZE)
  local ops, checked = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops do
    local ok, err = s:sendto(msg, host, port)
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
    local s, err = socket.tcp()
    if not s then error(err) end
    local ok, cerr = s:connect(host, port)
    if not ok then error(cerr) end
    s:close()
    ops = ops + 1
  end
  report(ops, now() - t0)
end

local function readiness(n)
  local path = os.tmpname()
  os.remove(path)
  local server = check(unix.stream())
  check(server:bind(path))
  check(server:listen(64))
  local socks, readers = {}, {}
  local ok, err = pcall(function()
    for _ = 1, n // 2 + 1 do
      local c = check(unix.stream())
      check(c:connect(path))
      local a = check(server:accept())
      socks[#socks + 1], socks[#socks + 2] = c, a
    end
  end)
  server:close()
  os.remove(path)
  if not ok then error(err, 0) end
  -- every socket but the last is idle; the last pair's first end is the
  -- ready one (a byte waits on it) and its other end is not watched
  local writer = table.remove(socks)
  for i, s in ipairs(socks) do readers[i] = s end
  check(writer:send("x"))
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local r, _, serr = socket.select(readers, nil)
    if serr then error("socket.select: " .. serr) end
    if #r ~= 1 then error("select found " .. #r) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  for _, s in ipairs(socks) do s:close() end
  writer:close()
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  local s = check(socket.tcp())
  check(s:connect(a1, port))
  bulk(s)
elseif workload == "unix_bulk" then
  local s = check(unix.stream())
  check(s:connect(a1))
  bulk(s)
elseif workload == "tcp_pingpong" then
  local s = check(socket.tcp())
  check(s:connect(a1, port))
  check(s:setoption("tcp-nodelay", true))
  pingpong(s)
elseif workload == "unix_pingpong" then
  local s = check(unix.stream())
  check(s:connect(a1))
  pingpong(s)
elseif workload == "udp_pingpong" then
  udp_pingpong(a1, port)
elseif workload == "udp_recv_blast" then
  recv_blast(a1, port)
elseif workload == "udp_send_blast" then
  send_blast(a1, port)
elseif workload == "connect_accept" then
  connect_accept(a1, port)
elseif workload == "readiness" then
  readiness(math.tointeger(tonumber(a1)))
else
  io.stderr:write("unsupported workload ", workload, "\n")
  os.exit(3)
end
