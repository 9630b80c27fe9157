-- bench/clients/psock.lua: the psock client, blocking sockets without a
-- timeout (one system call per operation), the same calls as bench/client.c.
--
--   lua5.4 bench/clients/psock.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- Workloads and output as in bench/client.c; readiness takes a method too:
--   readiness N poller|select
local psock = require "psock"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, DGRAM_BUF, BATCH, BURST, CHECK =
  common.MSG_SIZE, common.DGRAM_BUF, common.BATCH, common.BURST, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("psock.lua")
local report, check = common.reporter(CHUNK), common.check
local now = psock.monotime

local function connect_stream(family, ...)
  local s = check(psock.socket(family, "stream"))
  check(s:connect(...))
  return s
end

local function bulk(s)
  local chunk = string.rep("x", CHUNK)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and now() < deadline do
    local ok, err = s:sendall(chunk)
    if not ok then error(err) end
    ops = ops + 1
  end
  check(s:shutdown("w"))
  local reply = ""
  repeat
    local d = check(s:recv(64))
    reply = reply .. d
  until d == ""
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
    local n, err = s:send(msg)
    if not n then error(err) end
    local d, rerr = s:recv(MSG_SIZE)
    if not d then error(rerr) end
    local got = #d
    while got < MSG_SIZE do
      d, rerr = s:recv(MSG_SIZE - got)
      if not d then error(rerr) end
      if d == "" then error("recv: end of stream") end
      got = got + #d
    end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

local function udp_pingpong(host, port)
  local s = check(psock.socket("inet", "dgram"))
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local n, err = s:sendto(msg, host, port)
    if not n then error(err) end
    local d, rerr = s:recvfrom(DGRAM_BUF)
    if not d then error(rerr) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  s:close()
end

-- Bursts of BURST datagrams queued by the blaster; only receiving is timed.
local function recv_blast(host, port, mmsg)
  local data = check(psock.socket("inet", "dgram"))
  local ctl = check(psock.socket("inet", "dgram"))
  check(data:bind("127.0.0.1", 0))
  local _, dport = check(data:getsockname())
  local request = string.format("B %d %d", BURST, dport)
  local ops, timed = 0, 0.0
  local deadline = now() + seconds
  while ops < maxops and now() < deadline do
    check(ctl:sendto(request, host, port))
    check(ctl:recv(64))
    local t0 = now()
    local got = 0
    if mmsg then
      while got < BURST do
        local datas, err = data:recvmmsg(BATCH, DGRAM_BUF)
        if not datas then error(err) end
        got = got + #datas
      end
    else
      while got < BURST do
        local d, err = data:recvfrom(DGRAM_BUF)
        if not d then error(err) end
        got = got + 1
      end
    end
    timed = timed + (now() - t0)
    ops = ops + got
  end
  report(ops, timed)
  data:close()
  ctl:close()
end

local function send_blast(host, port, mmsg)
  local s = check(psock.socket("inet", "dgram"))
  local msg = string.rep("b", MSG_SIZE)
  local ops, checked = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  if mmsg then
    local datas, hosts, ports = {}, {}, {}
    for i = 1, BATCH do datas[i], hosts[i], ports[i] = msg, host, port end
    while ops < maxops do
      local n, err = s:sendmmsg(datas, hosts, ports)
      if not n then error(err) end
      ops = ops + n
      if ops - checked >= BATCH then
        checked = ops
        if now() >= deadline then break end
      end
    end
  else
    while ops < maxops do
      local n, err = s:sendto(msg, host, port)
      if not n then error(err) end
      ops = ops + 1
      if ops - checked >= BATCH then
        checked = ops
        if now() >= deadline then break end
      end
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
    local s, err = psock.socket("inet", "stream")
    if not s then error(err) end
    local ok, cerr = s:connect(host, port)
    if not ok then error(cerr) end
    s:close()
    ops = ops + 1
  end
  report(ops, now() - t0)
end

local function readiness(n, method)
  local socks, readers = {}, {}
  for _ = 1, n // 2 do
    local a, b = check(psock.socketpair())
    socks[#socks + 1], socks[#socks + 2] = a, b
    readers[#readers + 1], readers[#readers + 2] = a, b
  end
  local ready, writer = check(psock.socketpair())
  check(writer:send("x"))
  readers[#readers + 1] = ready
  local ops = 0
  local t0, deadline
  if method == "poller" then
    local p = check(psock.poller())
    for _, s in ipairs(readers) do check(p:add(s, "r")) end
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
      local found = 0
      for _ in p:wait() do found = found + 1 end
      if found ~= 1 then error("wait found " .. found) end
      ops = ops + 1
    end
    p:close()
  elseif method == "select" then
    local none = {}
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
      local r, err = psock.select(readers, none)
      if not r then error(err) end
      if #r ~= 1 then error("select found " .. #r) end
      ops = ops + 1
    end
  else
    error("unknown readiness method " .. tostring(method))
  end
  report(ops, now() - t0)
  for _, s in ipairs(socks) do s:close() end
  ready:close()
  writer:close()
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  bulk(connect_stream("inet", a1, port))
elseif workload == "unix_bulk" then
  bulk(connect_stream("unix", a1))
elseif workload == "tcp_pingpong" then
  local s = connect_stream("inet", a1, port)
  check(s:setopt("nodelay", true))
  pingpong(s)
elseif workload == "unix_pingpong" then
  pingpong(connect_stream("unix", a1))
elseif workload == "udp_pingpong" then
  udp_pingpong(a1, port)
elseif workload == "udp_recv_blast" then
  recv_blast(a1, port, false)
elseif workload == "udp_recv_blast_mmsg" then
  recv_blast(a1, port, true)
elseif workload == "udp_send_blast" then
  send_blast(a1, port, false)
elseif workload == "udp_send_blast_mmsg" then
  send_blast(a1, port, true)
elseif workload == "connect_accept" then
  connect_accept(a1, port)
elseif workload == "readiness" then
  readiness(math.tointeger(tonumber(a1)), a2)
else
  io.stderr:write("unknown workload ", workload, "\n")
  os.exit(2)
end
