-- HTTP GET: fetches a plain http:// URL with HTTP/1.0 and writes the body
-- to standard output, the status line and headers to standard error.
--
--   lua5.4 examples/http_get.lua URL [timeout]
--
--   python3 -m http.server --bind 127.0.0.1 8000 &
--   lua5.4 examples/http_get.lua http://127.0.0.1:8000/
--
-- URL is http://HOST[:PORT][/PATH], HOST a name, a dotted quad or an IPv6
-- address in brackets ([::1]); PORT defaults to 80.  timeout (seconds,
-- default 10) bounds the connect and each read.  Exits 0 for a 2xx status,
-- 1 for any other status, a failure or a bad command line.
--
-- psock.tcp.connect tries each address the host name has; psock.stream
-- reads the status line and headers as lines and the body to the end of
-- the stream.  HTTP/1.0 with "Connection: close" means the server ends the
-- body by closing the connection, so no chunked decoding is needed.
local tcp = require "psock.tcp"
local stream = require "psock.stream"

local NAME = "http_get"
local USAGE = "usage: lua5.4 examples/http_get.lua URL [timeout]"

local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- http://host[:port][/path] -> host, port, path; nil when it is not one.
local function parse_url(url)
  local rest = url:match("^[hH][tT][tT][pP]://(.*)$")
  if not rest then return nil end
  local authority, path = rest:match("^([^/]*)(.*)$")
  local host, port = authority:match("^%[([%x:.]+)%]:?(%d*)$")
  if not host then
    host, port = authority:match("^([^:]+):?(%d*)$")
  end
  if not host or host == "" then return nil end
  port = port == "" and 80 or math.tointeger(tonumber(port))
  if not port or port < 1 or port > 65535 then return nil end
  return host, port, path == "" and "/" or path
end

local function main()
  if arg[1] == "-h" or arg[1] == "--help" then
    print(USAGE)
    return 0
  end
  if #arg < 1 or #arg > 2 then
    fail(#arg < 1 and "no URL" or "too many arguments", "\n", USAGE)
  end
  local host, port, path = parse_url(arg[1])
  if not host then
    fail("not an http:// URL with a port from 1 to 65535: '", arg[1], "'\n", USAGE)
  end
  local timeout = tonumber(arg[2] or "10")
  if not timeout or timeout <= 0 then
    fail("invalid timeout '", arg[2], "' (expected seconds, more than 0)\n", USAGE)
  end

  local sock, msg = tcp.connect(host, port, timeout)
  if not sock then
    fail("cannot connect to ", host, " port ", port, ": ", msg)
  end
  local st <close> = stream.new(sock)
  local hostheader = host:find(":", 1, true) and "[" .. host .. "]" or host
  local ok, err = st:write("GET ", path, " HTTP/1.0\r\n",
                           "Host: ", hostheader, port ~= 80 and ":" .. port or "", "\r\n",
                           "User-Agent: psock-http_get\r\n",
                           "Connection: close\r\n\r\n")
  if not ok then
    fail("cannot send the request: ", err)
  end

  local status
  status, err = st:read("l")
  if not status then
    fail(err and ("no reply: " .. err) or "the server closed the connection without a reply")
  end
  status = status:gsub("\r$", "")
  local code = tonumber(status:match("^HTTP/%d%.%d (%d%d%d)"))
  if not code then
    fail("not an HTTP reply: '", status, "'")
  end
  io.stderr:write(status, "\n")
  while true do
    local header
    header, err = st:read("l")
    if header == nil then
      fail(err and ("headers cut short: " .. err) or "the reply ended in its headers")
    end
    header = header:gsub("\r$", "")
    if header == "" then break end
    io.stderr:write(header, "\n")
  end

  local body
  body, err = st:read("a")
  if not body then
    fail("body cut short: ", err)
  end
  io.stdout:write(body)
  return code >= 200 and code < 300 and 0 or 1
end

os.exit(main())
