-- psock.stream: a read buffer and the formats of Lua's io library on a
-- stream socket, built only on psock's public methods.
--
--   local stream = require "psock.stream"
--   local st = stream.new(sock)
--   local line = st:read("l")          -- nil at end of stream
--   st:write("GET / HTTP/1.0\r\n\r\n")  -- st, or nil, msg, errno
--
-- A read keeps what it has not used in the buffer for the next one.  The
-- socket's timeout (sock:settimeout) bounds each read call as a whole, as
-- it bounds sendall; a read that runs out of time or fails returns nil,
-- msg, errno and puts back everything it had gathered, so that nothing is
-- lost.
local psock = require "psock"

local stream = {}

local Stream = {}
Stream.__index = Stream
Stream.__name = "psock.stream"

local RECV_SIZE = 65536   -- bytes asked for per recv
local MAX_NUMERAL = 200   -- as liolib's L_MAXLENNUM

local unpack = table.unpack

-- The buffer is self.buf from index self.pos on: reading a line moves
-- pos instead of copying the rest of the buffer.

-- stream.new(sock) -> a stream reading and writing sock
function stream.new(sock)
  local kind = psock.type(sock)
  if kind ~= "socket" then
    local got = kind or type(sock)
    error(string.format("bad argument #1 to 'new' (open stream socket expected, got %s)",
                        got), 2)
  end
  if sock:type() ~= "stream" then
    error("bad argument #1 to 'new' (stream socket expected, got a " ..
          tostring(sock:type()) .. " socket)", 2)
  end
  return setmetatable({ sock = sock, buf = "", pos = 1, eof = false, got = nil }, Stream)
end

function Stream:__tostring()
  return string.format("psock.stream(%s, %d buffered)", tostring(self.sock),
                       #self.buf - self.pos + 1)
end

-- st:socket() -> the socket underneath
function Stream:socket()
  return self.sock
end

-- Receive more: the data, false at end of stream, or nil, msg, errno.  A
-- deadline (if any) is applied as the socket's timeout for this recv
-- only.  What arrives is also listed in self.got, so that a read that
-- fails can put it all back.
local function fill(self, deadline)
  if self.eof then return false end
  local sock = self.sock
  local data, msg, err
  if deadline then
    local left = deadline - psock.monotime()
    if left <= 0 then return nil, "timeout", psock.ETIMEDOUT end
    local saved = sock:gettimeout()
    sock:settimeout(left)
    data, msg, err = sock:recv(RECV_SIZE)
    sock:settimeout(saved)
  else
    data, msg, err = sock:recv(RECV_SIZE)
  end
  if data == nil then return nil, msg, err end
  if data == "" then
    self.eof = true
    return false
  end
  local got = self.got
  if got then got[#got + 1] = data else self.got = { data } end
  return data
end

-- The unread part of the buffer, which is then empty.
local function take_all(self)
  local rest = self.pos == 1 and self.buf or self.buf:sub(self.pos)
  self.buf, self.pos = "", 1
  return rest
end

-- The next n bytes of the buffer (there are at least n).
local function take(self, n)
  local pos = self.pos
  self.pos = pos + n
  return self.buf:sub(pos, pos + n - 1)
end

-- A line, with its newline when keep is true.  At end of stream the last
-- unterminated line is a line; nothing at all is nil.  (Each new piece is
-- searched once, so a long line costs no more than its length.)
local function read_line(self, keep, deadline)
  local nl = self.buf:find("\n", self.pos, true)
  if nl then
    local line = take(self, nl - self.pos + 1)
    return keep and line or line:sub(1, -2)
  end
  local parts = { take_all(self) }
  while true do
    local data, msg, err = fill(self, deadline)
    if data == nil then return nil, msg, err end
    if data == false then
      local rest = table.concat(parts)
      if rest == "" then return nil end
      return rest
    end
    nl = data:find("\n", 1, true)
    if nl then
      parts[#parts + 1] = data:sub(1, keep and nl or nl - 1)
      self.buf, self.pos = data, nl + 1
      return table.concat(parts)
    end
    parts[#parts + 1] = data
  end
end

-- n bytes, fewer at end of stream, nil at end of stream with none.  n = 0
-- tells whether the stream has more: "" or nil.
local function read_count(self, n, deadline)
  local have = #self.buf - self.pos + 1
  if have >= n and have > 0 then return take(self, n) end
  local parts = { take_all(self) }
  while have < n or have == 0 do
    local data, msg, err = fill(self, deadline)
    if data == nil then return nil, msg, err end
    if data == false then break end
    parts[#parts + 1] = data
    have = have + #data
  end
  if have == 0 then return nil end
  self.buf = table.concat(parts)
  return take(self, math.min(n, have))
end

-- Everything up to the end of stream ("" when there is nothing more).
local function read_all(self, deadline)
  local parts = { take_all(self) }
  while true do
    local data, msg, err = fill(self, deadline)
    if data == nil then return nil, msg, err end
    if data == false then return table.concat(parts) end
    parts[#parts + 1] = data
  end
end

-- A numeral, as io.read("n") reads one: leading white space skipped, the
-- longest run of numeral characters (at most MAX_NUMERAL), then tonumber.
-- nil (and the run consumed) when it is not a number.
local function read_number(self, deadline)
  local start
  while true do
    start = self.buf:find("[^ \t\n\r\f\v]", self.pos)
    if start then break end
    take_all(self)
    local data, msg, err = fill(self, deadline)
    if data == nil then return nil, msg, err end
    if data == false then return nil end
    self.buf = data
  end
  self.pos = start
  while true do
    local stop = self.buf:find("[^%w%.%+%-]", self.pos)
    local have = (stop or #self.buf + 1) - self.pos
    if stop or have > MAX_NUMERAL then
      return tonumber(take(self, math.min(have, MAX_NUMERAL)))
    end
    local data, msg, err = fill(self, deadline)
    if data == nil then return nil, msg, err end
    if data == false then return tonumber(take_all(self)) end
    self.buf, self.pos = take_all(self) .. data, 1
  end
end

local READERS = {
  l = function(self, _, deadline) return read_line(self, false, deadline) end,
  L = function(self, _, deadline) return read_line(self, true, deadline) end,
  a = function(self, _, deadline) return read_all(self, deadline) end,
  n = function(self, _, deadline) return read_number(self, deadline) end,
}

-- The reader for format fmt, argument i of read: called as f(self, fmt,
-- deadline).  A size, or "l", "L", "a", "n" (a leading "*", as Lua 5.1
-- wrote them, is allowed); raises on anything else.
local function reader(fmt, i)
  if math.type(fmt) == "integer" then
    if fmt < 0 then
      error(string.format("bad argument #%d to 'read' (size must be non-negative)", i), 3)
    end
    return read_count
  end
  local f = type(fmt) == "string" and READERS[fmt:gsub("^%*", ""):sub(1, 1)]
  if not f then
    error(string.format("bad argument #%d to 'read' (invalid format)", i), 3)
  end
  return f
end

-- The deadline of a read call starting now: the socket's timeout, if any.
local function deadline_of(self)
  local timeout = self.sock:gettimeout()
  return timeout and timeout > 0 and psock.monotime() + timeout or nil
end

-- After a failed read: the buffer as the call found it, then everything
-- the call received.
local function restore(self, buf, pos)
  local got = self.got
  self.buf = buf:sub(pos) .. (got and table.concat(got) or "")
  self.pos, self.got = 1, nil
end

-- st:read(...) -> one value per format ("l" when none): a string, a number
-- ("n"), or nil at end of stream, after which nothing more is read; or
-- nil, msg, errno when the socket fails or the time runs out, and then
-- everything this call received or took is back in the buffer.
function Stream:read(...)
  local n = select("#", ...)
  local buf, pos = self.buf, self.pos
  self.got = nil
  if n <= 1 then  -- the common case, without tables
    local fmt = n == 0 and "l" or ...
    local v, msg, err = reader(fmt, 1)(self, fmt, deadline_of(self))
    if v == nil and msg ~= nil then
      restore(self, buf, pos)
      return nil, msg, err
    end
    self.got = nil
    return v
  end
  local fmts, readers, results = { ... }, {}, {}
  for i = 1, n do readers[i] = reader(fmts[i], i) end
  local deadline = deadline_of(self)
  for i = 1, n do
    local v, msg, err = readers[i](self, fmts[i], deadline)
    if v == nil and msg ~= nil then
      restore(self, buf, pos)
      return nil, msg, err
    end
    results[i] = v
    if v == nil then
      n = i
      break
    end
  end
  self.got = nil
  return unpack(results, 1, n)
end

-- st:lines(...) -> an iterator reading with those formats ("l" when none)
-- until end of stream; a failure or a timeout raises.
function Stream:lines(...)
  local fmts = table.pack(...)
  return function()
    local results = table.pack(self:read(unpack(fmts, 1, fmts.n)))
    if results[1] == nil and results[2] ~= nil then
      error(tostring(results[2]), 2)
    end
    return unpack(results, 1, results.n)
  end
end

-- st:write(...) -> st | nil, msg, errno: strings and numbers, all of them,
-- in one sendall.
function Stream:write(...)
  local n = select("#", ...)
  local parts = { ... }
  for i = 1, n do
    local v = parts[i]
    if math.type(v) == "integer" then
      parts[i] = string.format("%d", v)
    elseif math.type(v) == "float" then
      parts[i] = string.format("%.14g", v)
    elseif type(v) ~= "string" then
      error(string.format("bad argument #%d to 'write' (string expected, got %s)", i,
                          type(v)), 2)
    end
  end
  local ok, msg, err = self.sock:sendall(table.concat(parts, "", 1, n))
  if not ok then return nil, msg, err end
  return self
end

-- st:close() -> true: closes the socket; what is buffered is dropped.
function Stream:close()
  self.buf, self.pos = "", 1
  return self.sock:close()
end

Stream.__close = Stream.close

return stream
