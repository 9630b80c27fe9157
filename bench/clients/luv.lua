-- bench/clients/luv.lua: the luv client (Debian lua-luv, libuv's Lua
-- binding).  luv is callback-based: each workload starts its first request
-- and the callbacks keep it going inside uv.run() until the count or the
-- deadline is reached.  Writes go through uv.write (one 64 KiB write in
-- flight for bulk), datagrams out through uv.udp_try_send (a direct
-- sendto), datagrams in through udp_recv_start callbacks.
--
--   lua5.4 bench/clients/luv.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- No recvmmsg/sendmmsg workloads (libuv can batch receives internally, but
-- not as a call of its own) and no readiness workload here.
local uv = require "luv"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, BATCH, BURST, CHECK = common.MSG_SIZE, common.BATCH, common.BURST, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("luv.lua")
local report = common.reporter(CHUNK)

local function now()
  return uv.hrtime() * 1e-9
end

local function fail(msg)
  io.stderr:write("luv: ", tostring(msg), "\n")
  os.exit(1)
end

-- Connect a TCP or pipe handle and hand it to then(handle).
local function connect_tcp(host, port, nodelay, after)
  local t = uv.new_tcp()
  t:connect(host, port, function(err)
    if err then fail(err) end
    if nodelay then t:nodelay(true) end
    after(t)
  end)
end

local function connect_pipe(path, after)
  local p = uv.new_pipe(false)
  p:connect(path, function(err)
    if err then fail(err) end
    after(p)
  end)
end

local function bulk(stream)
  local chunk = string.rep("x", CHUNK)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  local reply = {}
  local function finish()
    stream:shutdown(function(err)
      if err then fail(err) end
      stream:read_start(function(rerr, data)
        if rerr then fail(rerr) end
        if data then
          reply[#reply + 1] = data
          return
        end
        local text = table.concat(reply)
        if tonumber(text) ~= ops * CHUNK then
          fail("sink counted " .. text .. ", sent " .. ops .. " chunks")
        end
        report(ops, now() - t0, true)
        stream:close()
      end)
    end)
  end
  local function write_next()
    if ops >= maxops or now() >= deadline then
      finish()
      return
    end
    stream:write(chunk, function(err)
      if err then fail(err) end
      ops = ops + 1
      write_next()
    end)
  end
  write_next()
end

local function pingpong(stream)
  local msg = string.rep("p", MSG_SIZE)
  local ops, got = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  stream:read_start(function(err, data)
    if err then fail(err) end
    if not data then fail("end of stream") end
    got = got + #data
    if got < MSG_SIZE then return end
    got = got - MSG_SIZE
    ops = ops + 1
    if ops >= maxops or (ops % CHECK == 0 and now() >= deadline) then
      stream:read_stop()
      report(ops, now() - t0)
      stream:close()
      return
    end
    stream:write(msg)
  end)
  stream:write(msg)
end

local function udp_pingpong(host, port)
  local u = uv.new_udp()
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  u:recv_start(function(err, data)
    if err then fail(err) end
    if not data then return end
    ops = ops + 1
    if ops >= maxops or (ops % CHECK == 0 and now() >= deadline) then
      u:recv_stop()
      report(ops, now() - t0)
      u:close()
      return
    end
    local _, serr = u:try_send(msg, host, port)
    if serr then fail(serr) end
  end)
  local _, serr = u:try_send(msg, host, port)
  if serr then fail(serr) end
end

-- Bursts of BURST datagrams queued by the blaster; only receiving is
-- timed: the data handle starts receiving when the blaster's "D" arrives.
local function recv_blast(host, port)
  local data, ctl = uv.new_udp(), uv.new_udp()
  assert(data:bind("127.0.0.1", 0))
  local request = string.format("B %d %d", BURST, data:getsockname().port)
  local ops, timed, got, t0 = 0, 0.0, 0, 0.0
  local deadline = now() + seconds
  local function ask()
    local _, serr = ctl:try_send(request, host, port)
    if serr then fail(serr) end
  end
  local function on_data(err, d)
    if err then fail(err) end
    if not d then return end
    got = got + 1
    if got < BURST then return end
    timed = timed + (now() - t0)
    ops = ops + got
    data:recv_stop()
    if ops >= maxops or now() >= deadline then
      ctl:recv_stop()
      report(ops, timed)
      data:close()
      ctl:close()
      return
    end
    ask()
  end
  ctl:recv_start(function(err, d)
    if err then fail(err) end
    if not d then return end
    got = 0
    t0 = now()
    data:recv_start(on_data)
  end)
  ask()
end

local function send_blast(host, port)
  local u = uv.new_udp()
  local msg = string.rep("b", MSG_SIZE)
  local ops, checked = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops do
    local _, err = u:try_send(msg, host, port)
    if err then fail(err) end
    ops = ops + 1
    if ops - checked >= BATCH then
      checked = ops
      if now() >= deadline then break end
    end
  end
  report(ops, now() - t0)
  u:close()
end

local function connect_accept(host, port)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  local function one()
    local t = uv.new_tcp()
    t:connect(host, port, function(err)
      if err then fail(err) end
      t:close()
      ops = ops + 1
      if ops >= maxops or (ops % CHECK == 0 and now() >= deadline) then
        report(ops, now() - t0)
        return
      end
      one()
    end)
  end
  one()
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  connect_tcp(a1, port, false, bulk)
elseif workload == "unix_bulk" then
  connect_pipe(a1, bulk)
elseif workload == "tcp_pingpong" then
  connect_tcp(a1, port, true, pingpong)
elseif workload == "unix_pingpong" then
  connect_pipe(a1, pingpong)
elseif workload == "udp_pingpong" then
  udp_pingpong(a1, port)
elseif workload == "udp_recv_blast" then
  recv_blast(a1, port)
elseif workload == "udp_send_blast" then
  send_blast(a1, port)
elseif workload == "connect_accept" then
  connect_accept(a1, port)
else
  io.stderr:write("unsupported workload ", workload, "\n")
  os.exit(3)
end
uv.run()
