-- Chat server: every line a client sends goes to every other client,
-- prefixed with the sender's address.
--
--   lua5.4 examples/chat_server.lua [host [port]]
--
-- host defaults to 127.0.0.1 and port to 7072; port 0 picks a free port.
-- The first line of standard output is "listening on HOST:PORT" with the
-- real port.  Try it with a few terminals running `nc 127.0.0.1 7072`:
-- a line typed in one appears in the others as "127.0.0.1:PORT: text".
-- Clients also see "* HOST:PORT joined" and "* HOST:PORT left" notices.
-- The server logs each join and leave on standard error.  Stop it with
-- Ctrl-C.
--
-- One process serves every client with one poller: all sockets are
-- non-blocking, a client's partial line waits in its own buffer until the
-- rest arrives, and output to each client waits in its own queue until
-- the client can take it.  A client that reads too slowly is dropped once
-- its queue holds more than 1 MiB, so it cannot slow down the others or
-- make the server grow without bound.
local psock = require "psock"

local NAME = "chat_server"
local USAGE = "usage: lua5.4 examples/chat_server.lua [host [port]]"
local MAX_QUEUE = 1024 * 1024  -- bytes waiting for one client
local MAX_LINE = 64 * 1024     -- longest line a client may send
local ACCEPTS_PER_TURN = 64    -- connections accepted per readiness event

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

local function log(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
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

-- The state of the server: the listening socket, the poller, and one
-- record per client, keyed by its socket:
--   { sock =, name = "host:port", inbuf = partial line,
--     out = array of strings to send, queued = bytes in out,
--     events = "r" or "rw" (what the poller watches),
--     dead = nil or why the client is being dropped }
local server, poller
local clients = {}
local dirty = {}  -- clients given output during this turn
local dying = {}  -- clients to drop at the end of this turn
local paused = false  -- out of descriptors: not accepting for now

-- Mark a client to be dropped.  It is closed at the end of the turn, so
-- that no descriptor number is reused while the poller's results of this
-- turn are still being handed out.
local function drop(client, reason)
  if not client.dead then
    client.dead = reason
    dying[#dying + 1] = client
  end
end

-- Queue text for a client; it is sent at the end of the turn.
local function enqueue(client, text)
  if client.dead then
    return
  end
  if client.queued + #text > MAX_QUEUE then
    drop(client, "too slow: more than 1 MiB waiting to be sent")
    return
  end
  if client.queued == 0 then
    dirty[#dirty + 1] = client
  end
  client.out[#client.out + 1] = text
  client.queued = client.queued + #text
end

-- Queue text for every client but `from`.
local function broadcast(from, text)
  for _, client in pairs(clients) do
    if client ~= from then
      enqueue(client, text)
    end
  end
end

-- Watch a client for "r" alone, or "rw" while it has output waiting.
local function watch(client, events)
  if client.events ~= events then
    local ok, msg = poller:modify(client.sock, events)
    if not ok then
      drop(client, "poller: " .. msg)
      return
    end
    client.events = events
  end
end

-- Send what the client's queue holds, as much as the socket takes now.
local function flush(client)
  if client.dead or client.queued == 0 then
    return
  end
  local data = table.concat(client.out)
  local sent, msg, errno = client.sock:send(data)
  if not sent then
    if errno ~= psock.EAGAIN and errno ~= psock.EWOULDBLOCK then
      drop(client, "send failed: " .. msg)
      return
    end
    sent = 0
  end
  if sent == #data then
    client.out, client.queued = {}, 0
    watch(client, "r")
  else
    -- A partial send: keep the rest, and come back when it is writable.
    client.out, client.queued = { data:sub(sent + 1) }, #data - sent
    watch(client, "rw")
  end
end

-- Send each complete line in the client's buffer to the others; at the
-- end of the stream (`eof`), a last line without "\n" goes too.
local function relay_lines(client, eof)
  local buf, start = client.inbuf, 1
  while true do
    local eol = buf:find("\n", start, true)
    if not eol then
      break
    end
    -- "\r\n" from telnet-like clients counts as "\n".
    local line = buf:sub(start, eol - 1):gsub("\r$", "")
    broadcast(client, client.name .. ": " .. line .. "\n")
    start = eol + 1
  end
  client.inbuf = buf:sub(start)
  if eof and client.inbuf ~= "" then
    broadcast(client, client.name .. ": " .. client.inbuf .. "\n")
    client.inbuf = ""
  elseif #client.inbuf > MAX_LINE then
    drop(client, "line longer than 64 KiB")
  end
end

-- The client's socket is readable: take what arrived.
local function receive(client)
  local data, msg, errno = client.sock:recv(65536)
  if data == "" then
    relay_lines(client, true)
    drop(client, "closed by the client")
  elseif data then
    client.inbuf = client.inbuf .. data
    relay_lines(client, false)
  elseif errno ~= psock.EAGAIN and errno ~= psock.EWOULDBLOCK then
    drop(client, "receive failed: " .. msg)
  end
end

local function join(sock, host, port)
  local client = {
    sock = sock, name = host .. ":" .. port, inbuf = "",
    out = {}, queued = 0, events = "r",
  }
  sock:settimeout(0)
  local ok, msg = poller:add(sock, "r")
  if not ok then
    log("cannot watch ", client.name, ": ", msg)
    sock:close()
    return
  end
  broadcast(nil, "* " .. client.name .. " joined\n")
  clients[sock] = client
  log("join ", client.name)
end

-- The listening socket is readable: accept what is waiting.
local function accept_all()
  for _ = 1, ACCEPTS_PER_TURN do
    local sock, host_or_msg, port_or_errno = server:accept()
    if sock then
      join(sock, host_or_msg, port_or_errno)
    elseif port_or_errno == psock.EMFILE or port_or_errno == psock.ENFILE then
      -- Out of descriptors: stop watching the listener (it would stay
      -- readable and spin the loop) until a client leaves.
      log("accept failed: ", host_or_msg, " (pausing until a client leaves)")
      assert(poller:remove(server))
      paused = true
      return
    elseif port_or_errno == psock.EAGAIN or port_or_errno == psock.EWOULDBLOCK then
      return
    elseif port_or_errno ~= psock.ECONNABORTED then
      log("accept failed: ", host_or_msg)
      return
    end
  end
end

-- Close the clients dropped during the turn and tell the others.  A
-- notice may overflow another slow client's queue, which then joins the
-- list: the loop ends because each client is dropped only once.
local function bury()
  local i = 1
  while dying[i] do
    local client = dying[i]
    clients[client.sock] = nil
    poller:remove(client.sock)
    client.sock:close()
    log("leave ", client.name, " (", client.dead, ")")
    broadcast(client, "* " .. client.name .. " left\n")
    if paused then
      paused = false
      assert(poller:add(server, "r"))
    end
    i = i + 1
  end
  dying = {}
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
  local port = arg[2] and parse_port(arg[2]) or 7072
  local family = host:find(":", 1, true) and "inet6" or "inet"

  local listener <close>, msg = psock.socket(family, "stream")
  if not listener then
    fail("cannot create a socket: ", msg)
  end
  local ok
  ok, msg = listener:setopt("reuseaddr", true)
  if not ok then
    fail("cannot set reuseaddr: ", msg)
  end
  ok, msg = listener:bind(host, port)
  if not ok then
    fail("cannot bind to ", host, ":", port, ": ", msg)
  end
  ok, msg = listener:listen()
  if not ok then
    fail("cannot listen: ", msg)
  end
  listener:settimeout(0)  -- accept returns EAGAIN instead of waiting
  server = listener

  local p <close>, pmsg = psock.poller()
  if not p then
    fail("cannot create a poller: ", pmsg)
  end
  poller = p
  ok, msg = poller:add(server, "r")
  if not ok then
    fail("cannot watch the listening socket: ", msg)
  end

  local real_host, real_port = server:getsockname()
  io.write("listening on ", real_host, ":", real_port, "\n")
  io.flush()

  while true do
    local next_ready, state = poller:wait()
    if not next_ready then
      fail("wait failed: ", state)
    end
    for sock, events in next_ready, state do
      if sock == server then
        accept_all()
      else
        local client = clients[sock]
        if client and not client.dead then
          -- "h" or "e" alone: recv reports the end or the error.
          if events:find("[reh]") then
            receive(client)
          end
          if events:find("w", 1, true) then
            flush(client)
          end
        end
      end
    end
    -- Send what this turn queued, then drop whoever failed.  Dropping
    -- queues "left" notices, which are sent in turn; this ends because
    -- only a new drop queues more, and each client is dropped once.
    repeat
      local list = dirty
      dirty = {}
      for _, client in ipairs(list) do
        flush(client)
      end
      bury()
    until #dirty == 0
  end
end

os.exit(main())
