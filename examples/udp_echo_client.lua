-- UDP echo client: sends each line of standard input as one datagram and
-- prints each reply.
--
--   lua5.4 examples/udp_echo_client.lua [host [port]]
--
-- host defaults to 127.0.0.1 and port to 7071, where
-- examples/udp_echo_server.lua listens by default:
--
--   lua5.4 examples/udp_echo_server.lua &
--   echo hello | lua5.4 examples/udp_echo_client.lua
--
-- UDP does not promise delivery: when no reply comes within 2 seconds the
-- client says so and exits with status 1 instead of waiting forever.
local psock = require "psock"

local NAME = "udp_echo_client"
local USAGE = "usage: lua5.4 examples/udp_echo_client.lua [host [port]]"
local TIMEOUT = 2  -- seconds to wait for each reply

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- A port from the command line: digits only, 1..65535.
local function parse_port(text)
  local port = text:match("^%d+$") and math.tointeger(tonumber(text))
  if not port or port < 1 or port > 65535 then
    fail("invalid port '", text, "' (expected a number from 1 to 65535)\n",
         USAGE)
  end
  return port
end

local function main()
  if arg[1] == "-h" or arg[1] == "--help" then
    print(USAGE)
    return 0
  end
  if #arg > 2 then
    fail("too many arguments\n", USAGE)
  end
  local host = arg[1] or "127.0.0.1"
  local port = arg[2] and parse_port(arg[2]) or 7071
  local family = host:find(":", 1, true) and "inet6" or "inet"

  local sock <close>, msg = psock.socket(family, "dgram")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  sock:settimeout(TIMEOUT)
  -- A connected datagram socket only receives from the server, and learns
  -- of a server that is not there ("Connection refused") instead of
  -- waiting for a reply that cannot come.
  local ok
  ok, msg = sock:connect(host, port)
  if not ok then
    fail("cannot connect to ", host, ":", port, ": ", msg)
  end

  for line in io.lines() do
    local sent, err = sock:send(line)
    if not sent then
      fail("send failed: ", err)
    end
    local reply
    reply, err = sock:recv(65536)
    if not reply and err == "timeout" then
      fail("no reply within ", TIMEOUT, " s (timeout): the datagram or ",
           "its reply was lost, or ", host, ":", port, " does not answer")
    elseif not reply then
      fail("receive failed: ", err)
    end
    io.write(reply, "\n")
    io.flush()
  end
  return 0
end

os.exit(main())
