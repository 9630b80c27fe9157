-- Unix-domain echo client: sends each line of standard input to an echo
-- server listening at a path and prints each reply line.
--
--   lua5.4 examples/unix_echo_client.lua [path]
--
-- path defaults to /tmp/psock-echo.sock, where
-- examples/unix_echo_server.lua listens by default:
--
--   lua5.4 examples/unix_echo_server.lua &
--   echo hello | lua5.4 examples/unix_echo_client.lua
--
-- The client's own socket needs no path: a stream client stays unnamed,
-- and the server answers it over the connection.
local psock = require "psock"

local NAME = "unix_echo_client"
local USAGE = "usage: lua5.4 examples/unix_echo_client.lua [path]"
local MAX_PATH = 107  -- sun_path holds 108 bytes with the terminating zero
local TIMEOUT = 10    -- seconds to wait for the server at each step

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
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
  if #arg > 1 then
    fail("too many arguments\n", USAGE)
  end
  local path = arg[1] or "/tmp/psock-echo.sock"
  if #path == 0 or #path > MAX_PATH then
    fail("invalid path '", path, "' (a Unix socket path holds 1 to ",
         MAX_PATH, " bytes)\n", USAGE)
  end

  local sock <close>, msg = psock.socket("unix", "stream")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  -- A server that stops answering must not hang the client forever.
  sock:settimeout(TIMEOUT)
  local ok
  ok, msg = sock:connect(path)
  if not ok then
    fail("cannot connect to ", path, ": ", msg)
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
