-- More helpers for the TCP, UDP and Unix specs, on top of helpers.lua:
-- scope guards for sockets and children, reading a peer's "ready" line,
-- bounded receive loops, test data and its checksum.
local psock = require "psock"
local H = require "spec.support.helpers"

local P = {}

-- A value for `local _ <close> = P.closing(a, b, ...)`: closes every socket
-- given when the scope ends, however it ends.
function P.closing(...)
  local socks = table.pack(...)
  return setmetatable({}, {
    __close = function()
      for i = 1, socks.n do
        if socks[i] then socks[i]:close() end
      end
    end,
  })
end

-- Like P.closing, for every socket in the array `list`, including those
-- added to it after this call.
function P.closing_all(list)
  return setmetatable({}, {
    __close = function()
      for _, sock in pairs(list) do sock:close() end
    end,
  })
end

-- Make a child from H.spawn or H.python usable as `local c <close> = ...`:
-- it is stopped and reaped at the end of the scope unless already reaped.
-- stop() and wait() may then be called first, once.
function P.guard(child)
  local stop, wait = child.stop, child.wait
  function child:stop()
    if self.reaped then return nil end
    self.reaped = true
    return stop(self)
  end
  function child:wait()
    if self.reaped then return nil end
    self.reaped = true
    return wait(self)
  end
  return setmetatable(child, {
    __close = function(c) c:stop() end,
  })
end

-- Start a command (H.spawn) as a guarded child.
function P.spawn(cmd, opts)
  return P.guard(H.spawn(cmd, opts))
end

-- Start a python3 script (H.python) as a guarded child.
function P.python(source, args, opts)
  return P.guard(H.python(source, args, opts))
end

-- Read the child's lines until one matches `pattern` (at most `max`
-- lines); returns the captures, or nil and what was read instead.
function P.expect(child, pattern, max)
  local seen = {}
  for _ = 1, max or 20 do
    local line = child:line()
    if line == nil then break end
    local captures = table.pack(line:match(pattern))
    if captures[1] ~= nil then return table.unpack(captures, 1, captures.n) end
    seen[#seen + 1] = line
  end
  return nil, table.concat(seen, "\n")
end

-- A python3 server on 127.0.0.1: it prints "ready PORT", accepts one
-- connection as `conn` (both with a timeout of `timeout` seconds, 15 by
-- default), then runs `body`, which may use `socket`, `sys`, `time` and
-- `conn`.  Returns the guarded child; P.ready_port(child) gives the port.
function P.python_server(body, args, opts, timeout)
  local preamble = string.format([[
import socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(%d)
print("ready", srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.settimeout(%d)
]], timeout or 15, timeout or 15)
  return P.python(preamble .. body, args, opts)
end

-- The port of a peer that prints "ready PORT" when it is listening.
function P.ready_port(child)
  local port, seen = P.expect(child, "^ready (%d+)$")
  return assert(tonumber(port), "peer did not get ready: " .. tostring(seen))
end

-- Start socat with `-d -d` (its notices merged into stdout) and wait for
-- it to report "listening on" or "receiving on"; returns the guarded
-- child and the rest of that notice (the bound address).  `input`, when
-- given, is socat's standard input.
function P.socat(args, input, opts)
  local cmd = "exec socat -d -d " .. args .. " 2>&1"
  if input then cmd = cmd .. " <<'EOF'\n" .. input .. "EOF\n" end
  local child = P.spawn(cmd, opts)
  local seen = {}
  for _ = 1, 20 do
    local line = child:line()
    if line == nil then break end
    local where = line:match(" listening on (.*)$") or
                  line:match(" receiving on (.*)$")
    if where then return child, where end
    seen[#seen + 1] = line
  end
  child:stop()
  error("socat did not start listening: " .. table.concat(seen, "\n"))
end

-- Receive until end of stream, at most `max` bytes in all (default 64 MiB)
-- and a bounded number of calls.  Returns all the data, or nil, msg, errno,
-- data received so far.
function P.recv_all(sock, max)
  max = max or 64 * 1024 * 1024
  local parts, total = {}, 0
  for _ = 1, 100000 do
    local data, msg, err = sock:recv(1024 * 1024)
    if data == nil then
      return nil, msg, err, table.concat(parts)
    end
    if data == "" then return table.concat(parts) end
    parts[#parts + 1] = data
    total = total + #data
    if total > max then
      return nil, "more than " .. max .. " bytes", nil, table.concat(parts)
    end
  end
  return nil, "too many receives", nil, table.concat(parts)
end

-- n bytes of test data that are not a simple repetition: numbered 1 KiB
-- blocks of varying letters, so that a lost, doubled or reordered piece
-- changes the checksum.
function P.pattern(n)
  local blocks = {}
  local count = n // 1024 + 1
  for i = 1, count do
    local fill = string.char(97 + i % 26, 65 + i * 7 % 26)
    blocks[i] = string.format("%08d", i) .. string.rep(fill, 508)
  end
  return table.concat(blocks):sub(1, n)
end

-- The SHA-256 of data in hex, by sha256sum(1).
function P.sha256(data)
  local dir = H.tmpdir()
  local path = dir .. "/data"
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  local out = H.run("sha256sum " .. H.shquote(path))
  H.rmdir(dir)
  return assert(out:match("^(%x+)"), "sha256sum failed")
end

-- Call fn and return how many seconds it took, then its results packed.
function P.timed(fn)
  local start = psock.monotime()
  local results = table.pack(fn())
  return psock.monotime() - start, results
end

-- Run a Lua chunk in a child lua5.4 whose SIGPIPE disposition is the
-- default (killed on a broken pipe), whatever this process inherited.
-- Returns stdout and stderr merged, ok, exit code.
function P.lua_default_sigpipe(code, limit)
  local dir = H.tmpdir()
  local path = dir .. "/chunk.lua"
  H.write(path, code)
  local out, ok, status = H.run("env --default-signal=PIPE " .. H.lua .. " " ..
    H.shquote(path) .. " 2>&1", limit, true)
  H.rmdir(dir)
  return out, ok, status
end

-- Whether descriptor fd of this process is in non-blocking mode.
function P.nonblocking(fd)
  local text = H.read("/proc/" .. H.pid() .. "/fdinfo/" .. fd)
  local flags = assert(text, "no fdinfo for " .. fd):match("flags:%s*(%d+)")
  return (tonumber(flags, 8) & tonumber("4000", 8)) ~= 0
end

-- A file name that no other spec run will pick: pid, clock and a counter.
local serial = 0
function P.unique(prefix)
  serial = serial + 1
  return string.format("%s-%d-%d-%d", prefix or "psock", H.pid(),
    math.floor(psock.monotime() * 1000) % 1000000, serial)
end

return P
