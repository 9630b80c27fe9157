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
-- the client keeps what it has received until it holds a whole line.
local psock = require "psock"

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

-- Receive until a whole line has arrived: returns the line (without its
-- "\n") and the bytes received after it, which start the next line.
-- `buffered` holds the bytes left over from the previous call.
local function read_line(sock, buffered)
  local parts, chunk = { buffered }, buffered
  while not chunk:find("\n", 1, true) do
    local err
    chunk, err = sock:recv(65536)
    if not chunk and err == "timeout" then
      fail("no reply from the server within ", TIMEOUT, " s (timeout)")
    elseif not chunk then
      fail("receive failed: ", err)
    elseif chunk == "" then
      fail("the server closed the connection before replying")
    end
    parts[#parts + 1] = chunk
  end
  local all = table.concat(parts)
  local eol = all:find("\n", 1, true)
  return all:sub(1, eol - 1), all:sub(eol + 1)
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

  local buffered = ""  -- bytes received after the last reply printed
  for line in io.lines() do
    -- sendall loops over partial sends until every byte is written.
    ok, msg = sock:sendall(line .. "\n")
    if not ok then
      fail("send failed: ", msg)
    end
    local reply
    reply, buffered = read_line(sock, buffered)
    io.write(reply, "\n")
    io.flush()
  end
  return 0
end

os.exit(main())
