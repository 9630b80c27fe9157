-- Unix-domain echo server: sends back every byte each client sends, over a
-- stream socket that lives at a path in the file system.
--
--   lua5.4 examples/unix_echo_server.lua [path]
--
-- path defaults to /tmp/psock-echo.sock.  The first line of output is
-- "listening on PATH".  Clients are served one after another, each until
-- it closes its side.  Try it with examples/unix_echo_client.lua, or
-- `socat - UNIX-CONNECT:/tmp/psock-echo.sock`.  Stop it with Ctrl-C.
--
-- The socket file outlives a server that is killed (Lua cannot catch a
-- signal), so at start a left-over socket file that nobody listens on is
-- removed; a path that is a live server, or not a socket, is left alone.
-- When the server ends by itself it removes its path.
local psock = require "psock"

local NAME = "unix_echo_server"
local USAGE = "usage: lua5.4 examples/unix_echo_server.lua [path]"
local MAX_PATH = 107  -- sun_path holds 108 bytes with the terminating zero

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  -- `true` closes the Lua state before exiting, which runs the pending
  -- <close> handlers: the socket is closed and its path removed.
  os.exit(1, true)
end

local function log(...)
  io.write(...)
  io.write("\n")
  io.flush()
end

-- Make way for bind: true when path is free now, or nil and a reason.
local function remove_stale(path)
  local probe <close> = assert(psock.socket("unix", "stream"))
  local ok, msg, errno = probe:connect(path)
  if ok then
    return nil, "another server is listening on " .. path
  elseif errno == psock.ENOENT then
    return true
  elseif errno ~= psock.ECONNREFUSED then
    return nil, "cannot check " .. path .. ": " .. msg
  end
  -- Refused: a socket file with no server behind it -- or a file that is
  -- not a socket at all, which must not be removed.  Opening a socket file
  -- fails ("No such device or address"); opening anything else works.
  local file = io.open(path, "r")
  if file then
    file:close()
    return nil, path .. " exists and is not a socket; not removing it"
  end
  local removed, err = os.remove(path)
  if not removed then
    return nil, "cannot remove the stale socket file: " .. err
  end
  return true
end

-- Echo until the client closes its side (recv returns "").
local function serve(conn)
  while true do
    local data, msg = conn:recv(65536)
    if not data then
      return nil, "receive failed: " .. msg
    end
    if data == "" then
      return true
    end
    -- sendall loops over partial sends until every byte is written.
    local ok, err = conn:sendall(data)
    if not ok then
      return nil, "send failed: " .. err
    end
  end
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

  local ok, msg = remove_stale(path)
  if not ok then
    fail(msg)
  end
  local server <close>, err = psock.socket("unix", "stream")
  if not server then
    fail("cannot create a socket: ", err)
  end
  ok, msg = server:bind(path)
  if not ok then
    fail("cannot bind to ", path, ": ", msg)
  end
  -- From here on the path is ours: remove it however main ends (return,
  -- error, or fail).  Declared after `server`, so it runs first.
  local _ <close> = setmetatable({}, {
    __close = function() os.remove(path) end,
  })
  ok, msg = server:listen()
  if not ok then
    fail("cannot listen: ", msg)
  end
  log("listening on ", server:getsockname())

  local count = 0
  while true do
    -- On failure accept returns nil, message, errno instead.
    local conn <close>, path_or_msg, errno = server:accept()
    if conn then
      count = count + 1
      log("connection ", count, " opened")
      local served, why = serve(conn)
      if served then
        log("connection ", count, " closed")
      else
        -- One client's trouble (a reset, say) does not stop the server.
        io.stderr:write(NAME, ": connection ", count, ": ", why, "\n")
      end
    elseif errno ~= psock.ECONNABORTED then
      fail("accept failed: ", path_or_msg)
    end
  end  -- conn is closed here, at the end of each turn
end

os.exit(main())
