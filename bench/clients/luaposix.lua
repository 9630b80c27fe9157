-- bench/clients/luaposix.lua: the luaposix client (Debian lua-posix,
-- luaposix 33), blocking calls on integer descriptors from
-- posix.sys.socket, the same calls as bench/client.c.  Debian 12 builds
-- lua-posix for Lua 5.1 to 5.3 only, so this client runs under lua5.3:
-- its figures include that interpreter's speed as well as luaposix's.
--
--   lua5.3 bench/clients/luaposix.lua WORKLOAD SECONDS MAXOPS ARGS...
--
-- No recvmmsg/sendmmsg in luaposix, so no *_mmsg workloads.
-- readiness N poll: posix.poll.poll over N idle socketpair ends and the
-- ready one (poll(2) over all N+1, a Lua table of them rebuilt as a
-- pollfd array on every call).
local S = require "posix.sys.socket"
local unistd = require "posix.unistd"
local ptime = require "posix.time"
local ppoll = require "posix.poll"

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local MSG_SIZE, DGRAM_BUF, BATCH, BURST, CHECK =
  common.MSG_SIZE, common.DGRAM_BUF, common.BATCH, common.BURST, common.CHECK
local workload, seconds, maxops, CHUNK = common.args("luaposix.lua")
local report, check = common.reporter(CHUNK), common.check

local MONOTONIC = ptime.CLOCK_MONOTONIC
local function now()
  local t = ptime.clock_gettime(MONOTONIC)
  return t.tv_sec + t.tv_nsec * 1e-9
end

local function inet(host, port)
  return { family = S.AF_INET, addr = host, port = port }
end

local function connect_stream(addr)
  local fd = check(S.socket(addr.family, S.SOCK_STREAM, 0))
  check(S.connect(fd, addr))
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
      local n, err = S.send(fd, done == 0 and chunk or chunk:sub(done + 1))
      if not n then error(err) end
      done = done + n
    end
    ops = ops + 1
  end
  check(S.shutdown(fd, S.SHUT_WR))
  local reply = ""
  repeat
    local d = check(S.recv(fd, 64))
    reply = reply .. d
  until d == ""
  if tonumber(reply) ~= ops * CHUNK then
    error("sink counted " .. reply .. ", sent " .. ops .. " chunks")
  end
  report(ops, now() - t0, true)
  unistd.close(fd)
end

local function pingpong(fd)
  local msg = string.rep("p", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local n, err = S.send(fd, msg)
    if not n then error(err) end
    local d, rerr = S.recv(fd, MSG_SIZE)
    if not d then error(rerr) end
    local got = #d
    while got < MSG_SIZE do
      d, rerr = S.recv(fd, MSG_SIZE - got)
      if not d then error(rerr) end
      if d == "" then error("recv: end of stream") end
      got = got + #d
    end
    ops = ops + 1
  end
  report(ops, now() - t0)
  unistd.close(fd)
end

local function udp_pingpong(host, port)
  local fd = check(S.socket(S.AF_INET, S.SOCK_DGRAM, 0))
  local to = inet(host, port)
  local msg = string.rep("u", MSG_SIZE)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local n, err = S.sendto(fd, msg, to)
    if not n then error(err) end
    local d, rerr = S.recvfrom(fd, DGRAM_BUF)
    if not d then error(rerr) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  unistd.close(fd)
end

-- Bursts of BURST datagrams queued by the blaster; only receiving is timed.
local function recv_blast(host, port)
  local data = check(S.socket(S.AF_INET, S.SOCK_DGRAM, 0))
  local ctl = check(S.socket(S.AF_INET, S.SOCK_DGRAM, 0))
  local to = inet(host, port)
  check(S.bind(data, inet("127.0.0.1", 0)))
  local request = string.format("B %d %d", BURST, check(S.getsockname(data)).port)
  local ops, timed = 0, 0.0
  local deadline = now() + seconds
  while ops < maxops and now() < deadline do
    check(S.sendto(ctl, request, to))
    check(S.recv(ctl, 64))
    local t0 = now()
    local got = 0
    while got < BURST do
      local d, err = S.recvfrom(data, DGRAM_BUF)
      if not d then error(err) end
      got = got + 1
    end
    timed = timed + (now() - t0)
    ops = ops + got
  end
  report(ops, timed)
  unistd.close(data)
  unistd.close(ctl)
end

local function send_blast(host, port)
  local fd = check(S.socket(S.AF_INET, S.SOCK_DGRAM, 0))
  local to = inet(host, port)
  local msg = string.rep("b", MSG_SIZE)
  local ops, checked = 0, 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops do
    local n, err = S.sendto(fd, msg, to)
    if not n then error(err) end
    ops = ops + 1
    if ops - checked >= BATCH then
      checked = ops
      if now() >= deadline then break end
    end
  end
  report(ops, now() - t0)
  unistd.close(fd)
end

local function connect_accept(host, port)
  local to = inet(host, port)
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local fd, err = S.socket(S.AF_INET, S.SOCK_STREAM, 0)
    if not fd then error(err) end
    local ok, cerr = S.connect(fd, to)
    if not ok then error(cerr) end
    unistd.close(fd)
    ops = ops + 1
  end
  report(ops, now() - t0)
end

local function readiness(n)
  local fds, all = {}, {}
  for _ = 1, n // 2 do
    local a, b = check(S.socketpair(S.AF_UNIX, S.SOCK_STREAM, 0))
    fds[a], fds[b] = { events = { IN = true } }, { events = { IN = true } }
    all[#all + 1], all[#all + 2] = a, b
  end
  local ready, writer = check(S.socketpair(S.AF_UNIX, S.SOCK_STREAM, 0))
  check(S.send(writer, "x"))
  fds[ready] = { events = { IN = true } }
  local ops = 0
  local t0 = now()
  local deadline = t0 + seconds
  while ops < maxops and (ops % CHECK ~= 0 or now() < deadline) do
    local found, err = ppoll.poll(fds, -1)
    if not found then error(err) end
    if found ~= 1 then error("poll found " .. found) end
    ops = ops + 1
  end
  report(ops, now() - t0)
  for _, fd in ipairs(all) do unistd.close(fd) end
  unistd.close(ready)
  unistd.close(writer)
end

local a1, a2 = arg[4], arg[5]
local port = math.tointeger(tonumber(a2))
if workload == "tcp_bulk" or workload == "tcp_bulk_8k" then
  bulk(connect_stream(inet(a1, port)))
elseif workload == "unix_bulk" then
  bulk(connect_stream({ family = S.AF_UNIX, path = a1 }))
elseif workload == "tcp_pingpong" then
  local fd = connect_stream(inet(a1, port))
  check(S.setsockopt(fd, S.IPPROTO_TCP, S.TCP_NODELAY, 1))
  pingpong(fd)
elseif workload == "unix_pingpong" then
  pingpong(connect_stream({ family = S.AF_UNIX, path = a1 }))
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
  io.stderr:write("unknown workload ", workload, "\n")
  os.exit(2)
end
