-- UDP echo server: sends every datagram back to where it came from.
--
--   lua5.4 examples/udp_echo_server.lua [host [port]]
--
-- host defaults to 127.0.0.1 and port to 7071; port 0 picks a free port.
-- The first line of output is "listening on HOST:PORT" with the real port.
-- Try it with examples/udp_echo_client.lua, or `nc -u 127.0.0.1 7071`.
-- Stop it with Ctrl-C.
local psock = require "psock"

local NAME = "udp_echo_server"
local USAGE = "usage: lua5.4 examples/udp_echo_server.lua [host [port]]"

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- A port from the command line: digits only, 0..65535.
local function parse_port(text)
  local port = text:match("^%d+$") and math.tointeger(tonumber(text))
  if not port or port > 65535 then
    fail("invalid port '", text, "' (expected a number from 0 to 65535)\n",
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
  local ok
  ok, msg = sock:bind(host, port)
  if not ok then
    fail("cannot bind to ", host, ":", port, ": ", msg)
  end
  local real_host, real_port = sock:getsockname()
  io.write("listening on ", real_host, ":", real_port, "\n")
  io.flush()

  while true do
    -- 65536 bytes hold the largest datagram UDP can carry, so nothing is
    -- cut short.  On failure the results are nil, message, errno.
    local data, from_host, from_port = sock:recvfrom(65536)
    if not data then
      fail("receive failed: ", from_host)
    end
    -- recvfrom's address feeds straight into sendto.  A datagram goes out
    -- whole or not at all: there are no partial sends to handle.
    local sent, err = sock:sendto(data, from_host, from_port)
    if not sent then
      -- The sender may be gone; that does not stop the server.
      io.stderr:write(NAME, ": reply to ", from_host, ":", from_port,
                      " failed: ", err, "\n")
    end
  end
end

os.exit(main())
