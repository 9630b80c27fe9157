-- TCP echo server: sends back every byte each client sends.
--
--   lua5.4 examples/tcp_echo_server.lua [host [port]]
--
-- host defaults to 127.0.0.1 and port to 7070; port 0 picks a free port.
-- The first line of output is "listening on HOST:PORT" with the real port,
-- so a script can start the server with port 0 and read where it is.
-- Clients are served one after another, each until it closes its side.
-- Try it with examples/tcp_echo_client.lua, or `nc 127.0.0.1 7070`.
-- Stop it with Ctrl-C.
local psock = require "psock"

local NAME = "tcp_echo_server"
local USAGE = "usage: lua5.4 examples/tcp_echo_server.lua [host [port]]"

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

local function log(...)
  io.write(...)
  io.write("\n")
  io.flush()
end

-- Echo until the client closes its side (recv returns "").
local function serve(conn, peer)
  while true do
    local data, msg = conn:recv(65536)
    if not data then
      return nil, "receive from " .. peer .. " failed: " .. msg
    end
    if data == "" then
      return true
    end
    -- sendall loops over partial sends until every byte is written.
    local ok, err = conn:sendall(data)
    if not ok then
      return nil, "send to " .. peer .. " failed: " .. err
    end
  end
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

  local server <close>, msg = psock.socket(family, "stream")
  if not server then
    fail("cannot create a socket: ", msg)
  end
  -- Restarting right after a previous run must not fail with "Address
  -- already in use" because of connections still in TIME_WAIT.
  local ok
  ok, msg = server:setopt("reuseaddr", true)
  if not ok then
    fail("cannot set reuseaddr: ", msg)
  end
  ok, msg = server:bind(host, port)
  if not ok then
    fail("cannot bind to ", host, ":", port, ": ", msg)
  end
  ok, msg = server:listen()
  if not ok then
    fail("cannot listen: ", msg)
  end
  local real_host, real_port = server:getsockname()
  log("listening on ", real_host, ":", real_port)

  while true do
    -- On failure accept returns nil, message, errno instead.
    local conn <close>, host_or_msg, port_or_errno = server:accept()
    if conn then
      local peer = host_or_msg .. ":" .. port_or_errno
      log("connection from ", peer)
      local served, err = serve(conn, peer)
      if served then
        log("closed ", peer)
      else
        -- One client's trouble (a reset, say) does not stop the server.
        io.stderr:write(NAME, ": ", err, "\n")
      end
    elseif port_or_errno ~= psock.ECONNABORTED then
      fail("accept failed: ", host_or_msg)
    end
  end  -- conn is closed here, at the end of each turn
end

os.exit(main())
