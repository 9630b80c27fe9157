-- UDP multicast on the loopback interface: a receiver joins a group, a
-- sender sends datagrams to the group, and every member receives them.
--
--   lua5.4 examples/udp_multicast.lua recv [group [port [count [seconds]]]]
--   lua5.4 examples/udp_multicast.lua send [group [port]]
--   lua5.4 examples/udp_multicast.lua [group [port]]
--
-- group defaults to 239.255.0.1 (an administratively scoped group, which
-- never leaves the site) and port to 7073.
--
-- recv joins the group on the interface 127.0.0.1, prints "listening on
-- GROUP:PORT" (the real port: port 0 picks a free one), then prints each
-- datagram as "HOST:PORT: DATA" until it has received `count` of them
-- (default 10) or `seconds` (default 10) have passed.
-- send sends each line of standard input as one datagram to the group.
-- With no role, the script does both in one process: it joins with a
-- receiving socket, sends three datagrams, and prints what arrived.
--
-- Everything stays on this machine: datagrams leave through the interface
-- 127.0.0.1 with a time-to-live of 1, and loop back to the local members.
-- Try several receivers at once in separate terminals, then:
--
--   printf 'hello\nworld\n' | lua5.4 examples/udp_multicast.lua send
local psock = require "psock"

local NAME = "udp_multicast"
local USAGE = [==[
usage: lua5.4 examples/udp_multicast.lua recv [group [port [count [seconds]]]]
       lua5.4 examples/udp_multicast.lua send [group [port]]
       lua5.4 examples/udp_multicast.lua [group [port]]]==]
local INTERFACE = "127.0.0.1"  -- the only interface this example uses
local DEMO_COUNT = 3
local DEMO_SECONDS = 2

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- An IPv4 multicast group: 224.0.0.0 to 239.255.255.255.
local function parse_group(text)
  local packed = psock.inet_pton("inet", text)
  if not packed or packed:byte(1) < 224 or packed:byte(1) > 239 then
    fail("invalid group '", text,
         "' (expected an IPv4 multicast address, 224.0.0.0 to 239.255.255.255)\n",
         USAGE)
  end
  return text
end

-- A number from the command line: digits only, min..max.
local function parse_integer(text, what, min, max)
  local n = text:match("^%d+$") and math.tointeger(tonumber(text))
  if not n or n < min or n > max then
    fail("invalid ", what, " '", text, "' (expected a number from ", min,
         " to ", max, ")\n", USAGE)
  end
  return n
end

local function log(...)
  io.write(...)
  io.write("\n")
  io.flush()
end

-- A socket that receives what is sent to group:port through INTERFACE.
local function open_receiver(group, port)
  local sock, msg = psock.socket("inet", "dgram")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  -- Several receivers may share the port, each getting every datagram.
  local ok
  ok, msg = sock:setopt("reuseaddr", true)
  if not ok then
    fail("cannot set reuseaddr: ", msg)
  end
  -- Bound to the group address, the socket gets only that group's
  -- datagrams, not every datagram sent to the port.
  ok, msg = sock:bind(group, port)
  if not ok then
    fail("cannot bind to ", group, ":", port, ": ", msg)
  end
  ok, msg = sock:setopt("add_membership", { group, INTERFACE })
  if not ok then
    fail("cannot join ", group, " on ", INTERFACE, ": ", msg)
  end
  return sock
end

-- A socket that sends to the group through INTERFACE only, one hop only,
-- and delivers its datagrams to members on this host too.
local function open_sender()
  local sock, msg = psock.socket("inet", "dgram")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  local settings = {
    { "multicast_if", INTERFACE },
    { "multicast_ttl", 1 },
    { "multicast_loop", true },
  }
  for _, setting in ipairs(settings) do
    local ok, err = sock:setopt(setting[1], setting[2])
    if not ok then
      fail("cannot set ", setting[1], ": ", err)
    end
  end
  -- Bound to the interface's address, the sender has a known source.
  local ok, err = sock:bind(INTERFACE, 0)
  if not ok then
    fail("cannot bind to ", INTERFACE, ": ", err)
  end
  return sock
end

local function send(sock, data, group, port)
  local sent, msg = sock:sendto(data, group, port)
  if not sent then
    fail("cannot send to ", group, ":", port, ": ", msg)
  end
end

-- Receive and print datagrams until `count` have arrived or `seconds`
-- have passed.  `accept(host, port)` picks the senders that count.
-- Returns how many were printed.
local function receive(sock, count, seconds, accept)
  local deadline = psock.monotime() + seconds
  local received = 0
  while received < count do
    local left = deadline - psock.monotime()
    if left <= 0 then
      break
    end
    sock:settimeout(left)
    local data, host, port = sock:recvfrom()
    if data then
      if accept(host, port) then
        received = received + 1
        log(host, ":", port, ": ", data)
      end
    elseif host ~= "timeout" then
      fail("receive failed: ", host)
    end
  end
  return received
end

local function any_sender()
  return true
end

local function recv_role(args)
  if #args > 4 then
    fail("too many arguments\n", USAGE)
  end
  local group = parse_group(args[1] or "239.255.0.1")
  local port = args[2] and parse_integer(args[2], "port", 0, 65535) or 7073
  local count = args[3] and parse_integer(args[3], "count", 1, 1000000) or 10
  local seconds = args[4] and parse_integer(args[4], "seconds", 1, 86400) or 10
  local sock <close> = open_receiver(group, port)
  local _, real_port = sock:getsockname()
  log("listening on ", group, ":", real_port)
  local received = receive(sock, count, seconds, any_sender)
  if received < count then
    io.stderr:write(NAME, ": received ", received, " of ", count,
                    " datagrams within ", seconds, " s\n")
  end
  return 0
end

local function send_role(args)
  if #args > 2 then
    fail("too many arguments\n", USAGE)
  end
  local group = parse_group(args[1] or "239.255.0.1")
  local port = args[2] and parse_integer(args[2], "port", 1, 65535) or 7073
  local sock <close> = open_sender()
  for line in io.lines() do
    send(sock, line, group, port)
  end
  return 0
end

local function demo(args)
  if #args > 2 then
    fail("too many arguments\n", USAGE)
  end
  local group = parse_group(args[1] or "239.255.0.1")
  local port = args[2] and parse_integer(args[2], "port", 0, 65535) or 7073
  -- The receiver joins first: a datagram sent before is not kept.
  local receiver <close> = open_receiver(group, port)
  local _, real_port = receiver:getsockname()
  log("listening on ", group, ":", real_port)
  local sender <close> = open_sender()
  local sender_host, sender_port = sender:getsockname()
  for i = 1, DEMO_COUNT do
    send(sender, "multicast datagram " .. i .. " of " .. DEMO_COUNT,
         group, real_port)
  end
  -- Other programs may send to the same group and port: count only ours.
  local received = receive(receiver, DEMO_COUNT, DEMO_SECONDS,
    function(host, port_from)
      return host == sender_host and port_from == sender_port
    end)
  if received < DEMO_COUNT then
    fail("received ", received, " of ", DEMO_COUNT, " datagrams within ",
         DEMO_SECONDS, " s (is multicast enabled on the loopback interface?)")
  end
  log("received ", received, " of ", DEMO_COUNT)
  return 0
end

local function main()
  local role = arg[1]
  local rest = table.move(arg, 2, #arg, 1, {})
  if role == "-h" or role == "--help" then
    print(USAGE)
    return 0
  elseif role == "recv" then
    return recv_role(rest)
  elseif role == "send" then
    return send_role(rest)
  end
  return demo(arg)
end

os.exit(main())
