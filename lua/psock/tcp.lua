-- psock.tcp: the two things almost every TCP script does first, in Lua on
-- psock's public functions.
--
--   local tcp = require "psock.tcp"
--   local sock = assert(tcp.connect("localhost", 8080, 5))
--   local server = assert(tcp.listen("127.0.0.1", 0))
--
-- tcp.connect resolves a name and tries each address getaddrinfo gives, in
-- its order (so "localhost" reaches a server on ::1 or on 127.0.0.1), as
-- Python's socket.create_connection does; tcp.listen binds with
-- SO_REUSEADDR set, so that a restarted server does not fail with
-- EADDRINUSE while its old connections sit in TIME_WAIT.
local psock = require "psock"

local tcp = {}

-- A port: an integer or a string of digits from 0 to 65535, or a service
-- name ("http"), which getaddrinfo looks up.
local function checkport(port, fname)
  local n = math.type(port) == "integer" and port
            or type(port) == "string" and port:match("^%d+$") and tonumber(port)
  if n and (n < 0 or n > 65535) then
    error(string.format("bad argument #2 to '%s' (port out of range)", fname), 3)
  end
  if not n and (type(port) ~= "string" or port == "") then
    error(string.format("bad argument #2 to '%s' (port expected, got %s)", fname,
                        port == "" and "empty string" or type(port)), 3)
  end
end

-- The addresses of host and port for a stream socket, or nil, msg, code.
local function resolve(host, port, flags)
  return psock.getaddrinfo(host, port, { type = "stream", flags = flags })
end

-- tcp.connect(host, port [, timeout]) -> sock | nil, msg, errno
-- Each address in turn gets its own socket and connect; the first that
-- connects is returned, with the timeout (if given) kept as its timeout.
-- A timeout bounds each attempt, as in Python.  When every address fails,
-- the last failure is returned.
function tcp.connect(host, port, timeout)
  if type(host) ~= "string" then
    error(string.format("bad argument #1 to 'connect' (string expected, got %s)",
                        type(host)), 2)
  end
  checkport(port, "connect")
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout or timeout < 0) then
    error("bad argument #3 to 'connect' (timeout must be a non-negative number)", 2)
  end
  local addrs, msg, err = resolve(host, port, 0)
  if not addrs then return nil, msg, err end
  for _, a in ipairs(addrs) do
    local sock, serr, scode = psock.socket(a.family, "stream")
    if sock then
      if timeout then sock:settimeout(timeout) end
      local ok, cerr, ccode = sock:connect(a.host, a.port)
      if ok then return sock end
      sock:close()
      msg, err = cerr, ccode
    else
      msg, err = serr, scode
    end
  end
  return nil, msg, err
end

-- tcp.listen(host, port [, backlog]) -> sock | nil, msg, errno
-- host nil, "" or "*" is the any address.  The first address that binds
-- with SO_REUSEADDR set and listens is returned; port 0 picks a free port
-- (sock:getsockname() tells which).
function tcp.listen(host, port, backlog)
  if host ~= nil and type(host) ~= "string" then
    error(string.format("bad argument #1 to 'listen' (string or nil expected, got %s)",
                        type(host)), 2)
  end
  checkport(port, "listen")
  if backlog ~= nil and math.type(backlog) ~= "integer" then
    error("bad argument #3 to 'listen' (integer expected)", 2)
  end
  local addrs, msg, err = resolve(host, port, psock.AI_PASSIVE)
  if not addrs then return nil, msg, err end
  for _, a in ipairs(addrs) do
    local sock, serr, scode = psock.socket(a.family, "stream")
    if sock then
      local ok, lerr, lcode = sock:setopt("reuseaddr", true)
      if ok then ok, lerr, lcode = sock:bind(a.host, a.port) end
      if ok then ok, lerr, lcode = sock:listen(backlog) end  -- nil: SOMAXCONN
      if ok then return sock end
      sock:close()
      msg, err = lerr, lcode
    else
      msg, err = serr, scode
    end
  end
  return nil, msg, err
end

return tcp
