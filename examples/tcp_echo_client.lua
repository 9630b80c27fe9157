-- TCP echo client: sends each line of standard input to an echo server and
-- prints each reply line.
--
--   lua5.4 examples/tcp_echo_client.lua [host [port]]
--
-- host defaults to 127.0.0.1 and port to 7070, where
-- examples/tcp_echo_server.lua listens by default:
--
--   lua5.4 examples/tcp_echo_server.lua &
--   echo hello | lua5.4 examples/tcp_echo_client.lua
--
-- A reply may arrive in several pieces, or several replies in one piece:
-- psock.stream keeps what has been received until it holds a whole line.
local psock = require "psock"
local stream = require "psock.stream"

local NAME = "tcp_echo_client"
local USAGE = "usage: lua5.4 examples/tcp_echo_client.lua [host [port]]"
local TIMEOUT = 10  -- seconds to wait for the server at each step

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

-- The next reply line (without its "\n"), or an exit with the reason.
local function read_reply(st)
  local line, err = st:read("L")
  if line and line:sub(-1) == "\n" then
    return line:sub(1, -2)
  elseif err == "timeout" then
    fail("no reply from the server within ", TIMEOUT, " s (timeout)")
  elseif err then
    fail("receive failed: ", err)
  end
  fail("the server closed the connection before replying")
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
  local port = arg[2] and parse_port(arg[2]) or 7070
  local family = host:find(":", 1, true) and "inet6" or "inet"

  local sock <close>, msg = psock.socket(family, "stream")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  -- A server that stops answering must not hang the client forever.
  sock:settimeout(TIMEOUT)
  local ok
  ok, msg = sock:connect(host, port)
  if not ok then
    fail("cannot connect to ", host, ":", port, ": ", msg)
  end

  local st = stream.new(sock)
  for line in io.lines() do
    -- write sends all of it, looping over partial sends.
    ok, msg = st:write(line, "\n")
    if not ok then
      fail("send failed: ", msg)
    end
    io.write(read_reply(st), "\n")
    io.flush()
  end
  return 0
end

os.exit(main())
