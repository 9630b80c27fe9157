-- Port check: which TCP ports of a host accept connections.
--
--   lua5.4 examples/portcheck.lua [-t seconds] [host] port...
--
-- host defaults to 127.0.0.1; a port is a number or a range such as
-- 8000-8010.  Every connection is started at once without waiting
-- (a non-blocking connect), one poller waits for all of them, and the
-- script prints one line per port, in port order:
--
--   PORT open       the connection was accepted
--   PORT closed     the host refused it (ECONNREFUSED)
--   PORT timeout    no answer within the time limit (-t, default 2 s)
--   PORT error: MESSAGE   anything else (no route to host, ...)
--
--   lua5.4 examples/portcheck.lua 127.0.0.1 22 80 7070-7072
--
-- Only check hosts you are allowed to probe.
local psock = require "psock"

local NAME = "portcheck"
local USAGE = "usage: lua5.4 examples/portcheck.lua [-t seconds] [host] port..."
local MAX_PORTS = 65535
-- Connections in flight at once: each holds a descriptor, and the
-- process may have as few as 1024.  More ports wait for a free slot, and
-- so does a port whose socket finds no descriptor left (EMFILE) while
-- others are in flight.
local MAX_IN_FLIGHT = 512

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- "N" or "A-B" (A <= B), each 1..65535: appended to `ports`.
local function parse_ports(text, ports)
  local first, last = text:match("^(%d+)%-(%d+)$")
  if not first then
    first = text:match("^%d+$")
    last = first
  end
  first = first and math.tointeger(tonumber(first))
  last = last and math.tointeger(tonumber(last))
  if not first or first < 1 or last > 65535 or first > last then
    fail("invalid port '", text, "' (expected a number from 1 to 65535 ",
         "or a range such as 8000-8010)\n", USAGE)
  end
  for port = first, last do
    ports[#ports + 1] = port
  end
end

local function parse_args()
  local i, timeout = 1, 2
  if arg[1] == "-t" then
    timeout = tonumber(arg[2] or "")
    if not timeout or timeout <= 0 or timeout > 3600 then
      fail("invalid time limit '", tostring(arg[2]),
           "' (expected seconds, more than 0)\n", USAGE)
    end
    i = 3
  end
  local host = "127.0.0.1"
  if arg[i] and not arg[i]:match("^[%d%-]+$") then
    host = arg[i]
    i = i + 1
  end
  if not arg[i] then
    fail("no port to check\n", USAGE)
  end
  local list, seen, ports = {}, {}, {}
  for k = i, #arg do
    parse_ports(arg[k], list)
    if #list > MAX_PORTS then
      break  -- duplicates only from here on
    end
  end
  for _, port in ipairs(list) do
    if not seen[port] then
      seen[port] = true
      ports[#ports + 1] = port
    end
  end
  table.sort(ports)
  return host, ports, timeout
end

-- The host as a numeric address and its family, resolved once for all
-- the ports rather than once per connection.
local function resolve(host)
  local found, msg = psock.getaddrinfo(host, nil, { type = "stream" })
  if not found or not found[1] then
    fail("cannot resolve ", host, ": ", msg or "no address")
  end
  return found[1].host, found[1].family
end

-- What an errno means for a port.
local function verdict(errno)
  if errno == 0 then
    return "open"
  elseif errno == psock.ECONNREFUSED then
    return "closed"
  elseif errno == psock.ETIMEDOUT then
    return "timeout"
  end
  return "error: " .. psock.strerror(errno)
end

local function main()
  if arg[1] == "-h" or arg[1] == "--help" then
    print(USAGE)
    return 0
  end
  local host, ports, timeout = parse_args()
  local address, family = resolve(host)

  local poller <close>, msg = psock.poller()
  if not poller then
    fail("cannot create a poller: ", msg)
  end
  local results = {}    -- port -> verdict
  -- Connections in flight, oldest first, so that the first one is the
  -- next to run out of time: { sock =, port =, deadline = }.  Entries
  -- that have finished stay in the queue with `sock` set to false.
  local queue, head, tail = {}, 1, 0
  local entry_of = {}   -- socket -> its entry
  local count = 0       -- connections in flight
  local next_index = 1  -- the next port of `ports` to start

  -- Everything still open is closed however main ends.
  local _ <close> = setmetatable({}, { __close = function()
    for sock in pairs(entry_of) do
      sock:close()
    end
  end })

  local function finish(entry, result)
    local sock = entry.sock
    results[entry.port] = result
    entry_of[sock] = nil
    entry.sock = false
    count = count - 1
    poller:remove(sock)
    sock:close()
  end

  -- Start checking a port: false when there is no descriptor for it
  -- until a connection in flight ends.
  local function start(port)
    local sock, _, errno = psock.socket(family, "stream")
    if not sock then
      if (errno == psock.EMFILE or errno == psock.ENFILE) and count > 0 then
        return false
      end
      results[port] = verdict(errno)
      return true
    end
    sock:settimeout(0)  -- connect starts the handshake and returns
    local ok, err
    ok, _, errno = sock:connect(address, port)
    if ok then
      results[port] = "open"  -- at once: possible on loopback
      sock:close()
    elseif errno ~= psock.EINPROGRESS then
      results[port] = verdict(errno)
      sock:close()
    else
      local entry = { sock = sock, port = port,
                      deadline = psock.monotime() + timeout }
      tail = tail + 1
      queue[tail] = entry
      entry_of[sock] = entry
      count = count + 1
      ok, err = poller:add(sock, "w")
      if not ok then
        finish(entry, "error: " .. err)
      end
    end
    return true
  end

  -- The oldest entry still in flight, or nil.
  local function oldest()
    while head <= tail and not queue[head].sock do
      queue[head] = nil
      head = head + 1
    end
    return queue[head]
  end

  while next_index <= #ports or count > 0 do
    while count < MAX_IN_FLIGHT and next_index <= #ports do
      if not start(ports[next_index]) then break end
      next_index = next_index + 1
    end
    local first = oldest()
    if first then
      -- Wait until the oldest connection in flight runs out of time.
      local left = math.max(first.deadline - psock.monotime(), 0)
      local next_ready, state = poller:wait(left)
      if not next_ready then
        fail("wait failed: ", state)
      end
      -- Writable means the handshake has ended: SO_ERROR tells how.
      for sock in next_ready, state do
        local errno, err = sock:getopt("error")
        finish(entry_of[sock], errno and verdict(errno) or "error: " .. err)
      end
      local now = psock.monotime()
      first = oldest()
      while first and first.deadline <= now do
        finish(first, "timeout")
        first = oldest()
      end
    end
  end

  for _, port in ipairs(ports) do
    io.write(port, " ", results[port], "\n")
  end
  return 0
end

os.exit(main())
