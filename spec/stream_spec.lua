-- psock.stream: io-style reading and writing on a stream socket.  The
-- formats against a Python peer that sends in awkward pieces, lines across
-- socat, end of stream, timeouts that keep what was read, non-blocking
-- streams, and misuse.
local psock = require "psock"
local stream = require "psock.stream"
local P = require "spec.support.peers"

-- The body of a Python server (P.python_server) that sends each of
-- its arguments as a separate send with a pause between, then reads until
-- end of stream and prints "got" and what it read.
local PY_DRIP = [[
for piece in sys.argv[1:]:
    conn.sendall(piece.encode().decode("unicode_escape").encode("latin-1"))
    time.sleep(0.02)
conn.shutdown(socket.SHUT_WR)
got = b""
while True:
    chunk = conn.recv(4096)
    if not chunk:
        break
    got += chunk
print("got", got.decode(), flush=True)
conn.close()
]]

local function drip(pieces)
  local args = {}
  for i, p in ipairs(pieces) do args[i] = "'" .. p .. "'" end
  return P.python_server(PY_DRIP, table.concat(args, " "))
end

-- A stream on a connection to the peer that printed "ready PORT".
local function connect(child)
  local s = assert(psock.socket("inet", "stream"))
  assert(s:settimeout(15))
  assert(s:connect("127.0.0.1", P.ready_port(child)))
  return stream.new(s)
end

local function pair()
  local a, b = assert(psock.socketpair())
  return stream.new(a), b
end

describe("psock.stream", function()

  describe("reads the io formats", function()

    it("lines with and without their newline, across pieces", function()
      local child <close> = drip({ "he", "llo\\nwor", "ld\\n\\nlast" })
      local st <close> = connect(child)
      assert.equal("hello", st:read("l"))
      assert.equal("world\n", st:read("L"))
      assert.equal("", st:read())          -- an empty line; "l" by default
      assert.equal("last", st:read("l"))   -- unterminated, at end of stream
      assert.is_nil(st:read("l"))
      assert.is_nil(st:read("L"))
    end)

    it("counts, whole or short at end of stream, and 0 as an end test", function()
      local child <close> = drip({ "abc", "defgh", "ij" })
      local st <close> = connect(child)
      assert.equal("", st:read(0))
      assert.equal("abcd", st:read(4))
      assert.equal("efghi", st:read(5))
      assert.equal("j", st:read(10))
      assert.is_nil(st:read(0))
      assert.is_nil(st:read(1))
    end)

    it("numbers as io.read('n') does, and several formats in one call", function()
      local child <close> = drip({ "  12 0x1F", " -3.5e2\\n7", "x\\nrest" })
      local st <close> = connect(child)
      local a, b, c = st:read("n", "n", "n")
      assert.equal(12, a)
      assert.equal(31, b)
      assert.equal(-350.0, c)
      assert.is_nil(st:read("n"))          -- "7x" is no numeral
      assert.equal("", st:read("l"))       -- the rest of that line
      assert.equal("rest", st:read("*a"))  -- Lua 5.1's "*" is allowed
    end)

    it("everything with 'a', then '' at end of stream, like io", function()
      local child <close> = drip({ "one\\n", "two\\n", "three" })
      local st <close> = connect(child)
      assert.equal("one", st:read("l"))
      assert.equal("two\nthree", st:read("a"))
      assert.equal("", st:read("a"))
      local x, y = st:read("a", "l")
      assert.equal("", x)
      assert.is_nil(y)
    end)

    it("stops at the first format that meets end of stream", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert(b:sendall("only\n"))
      assert(b:shutdown("w"))
      local r = table.pack(st:read("l", "l", "n"))
      assert.equal(2, r.n)
      assert.equal("only", r[1])
      assert.is_nil(r[2])
    end)

    it("lines() through a socat peer", function()
      local _ <close>, where = P.socat("TCP-LISTEN:0,bind=127.0.0.1,reuseaddr STDIO",
                                       "alpha\nbeta\ngamma\n")
      local port = assert(tonumber(where:match(":(%d+)$")), where)
      local s = assert(psock.socket("inet", "stream"))
      assert(s:settimeout(15))
      assert(s:connect("127.0.0.1", port))
      local st <close> = stream.new(s)
      local got = {}
      for line in st:lines() do got[#got + 1] = line end
      assert.same({ "alpha", "beta", "gamma" }, got)
    end)

    it("a line of 1 MiB, sent in one go, read as one line", function()
      local child <close> = P.python_server([[
conn.sendall(b"x" * 1048576 + b"\ntail")
conn.close()
]])
      local port = P.ready_port(child)
      local s = assert(psock.socket("inet", "stream"))
      assert(s:settimeout(15))
      assert(s:connect("127.0.0.1", port))
      local st <close> = stream.new(s)
      local line = st:read("l")
      assert.equal(1048576, #line)
      assert.equal(string.rep("x", 1048576), line)
      assert.equal("tail", st:read("l"))
      assert.is_nil(st:read("l"))
    end)
  end)

  describe("writes", function()

    it("strings and numbers, all of them, and returns the stream", function()
      local child <close> = drip({ "x" })
      local st <close> = connect(child)
      assert.equal("x", st:read("a"))
      assert.equal(st, st:write("ab", 12, " ", 2.5, "\n"))
      assert.equal(st, st:write())
      st:socket():shutdown("w")
      assert.equal("got ab12 2.5", child:line())
    end)

    it("raises on what io.write would not take", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert.has_error(function() st:write({}) end,
                       "bad argument #1 to 'write' (string expected, got table)")
      assert.has_error(function() st:write("a", nil) end,
                       "bad argument #2 to 'write' (string expected, got nil)")
    end)

    it("returns nil, msg, errno when the peer is gone", function()
      local st, b = pair()
      local _ <close> = st
      b:close()
      local ok, msg, err = st:write(string.rep("z", 1 << 20))
      assert.is_nil(ok)
      assert.is_string(msg)
      assert.equal(psock.EPIPE, err)
    end)
  end)

  describe("timeouts", function()

    it("return nil, 'timeout', ETIMEDOUT and keep what was read", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert(st:socket():settimeout(0.05))
      assert(b:sendall("par"))
      local v, msg, err = st:read("l")
      assert.is_nil(v)
      assert.equal("timeout", msg)
      assert.equal(psock.ETIMEDOUT, err)
      assert(b:sendall("tial\nnext"))
      assert.equal("partial", st:read("l"))
      -- a later format timing out puts back what an earlier one took
      v, msg = st:read(2, "l")
      assert.is_nil(v)
      assert.equal("timeout", msg)
      assert(b:sendall("\n"))
      assert.equal("next", st:read("l"))
      -- the socket's own timeout is as it was
      assert.equal(0.05, st:socket():gettimeout())
    end)

    it("bound the whole read, not each recv", function()
      local child <close> = drip({ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" })
      local st <close> = connect(child)
      -- ten pieces 20 ms apart: each recv is quick, the read as a whole is not
      assert(st:socket():settimeout(0.1))
      local t0 = psock.monotime()
      local v, msg = st:read("a")
      local took = psock.monotime() - t0
      assert.is_nil(v)
      assert.equal("timeout", msg)
      assert.is_true(took < 1, "took " .. took)
      assert(st:socket():settimeout(15))
      assert.equal("abcdefghij", st:read("a"))
    end)

    it("with timeout 0 give EAGAIN and keep the buffer", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert(st:socket():settimeout(0))
      local v, _, err = st:read(1)
      assert.is_nil(v)
      assert.equal(psock.EAGAIN, err)
      assert(b:sendall("ab"))
      v, _, err = st:read(3)
      assert.is_nil(v)
      assert.equal(psock.EAGAIN, err)
      assert(b:sendall("c"))
      assert.equal("abc", st:read(3))
    end)

    it("make lines() raise", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert(st:socket():settimeout(0.02))
      assert(b:sendall("one\n"))
      assert.has_error(function()
        for _ in st:lines() do end
      end, "timeout")
    end)
  end)

  describe("misuse", function()

    it("new takes only an open stream socket", function()
      assert.has_error(function() stream.new(5) end,
                       "bad argument #1 to 'new' (open stream socket expected, got number)")
      assert.has_error(function() stream.new() end,
                       "bad argument #1 to 'new' (open stream socket expected, got nil)")
      local u <close> = assert(psock.socket("inet", "dgram"))
      assert.has_error(function() stream.new(u) end,
                       "bad argument #1 to 'new' (stream socket expected, got a dgram socket)")
      local c = assert(psock.socket("inet", "stream"))
      c:close()
      assert.has_error(function() stream.new(c) end,
                       "bad argument #1 to 'new' (open stream socket expected, got closed socket)")
    end)

    it("read raises on a bad format before reading anything", function()
      local st, b = pair()
      local _ <close> = P.closing(st, b)
      assert(b:sendall("kept\n"))
      assert.has_error(function() st:read("l", "x") end,
                       "bad argument #2 to 'read' (invalid format)")
      assert.has_error(function() st:read(-1) end,
                       "bad argument #1 to 'read' (size must be non-negative)")
      assert.has_error(function() st:read({}) end,
                       "bad argument #1 to 'read' (invalid format)")
      assert.has_error(function() st:read(1.5) end,
                       "bad argument #1 to 'read' (invalid format)")
      assert.equal("kept", st:read("l"))
    end)

    it("a closed stream raises like a closed socket", function()
      local st, b = pair()
      b:close()
      assert.is_true(st:close())
      assert.is_true(st:close())
      assert.has_error(function() st:read("l") end, "attempt to use a closed socket")
      assert.has_error(function() st:write("x") end, "attempt to use a closed socket")
    end)

    it("closes its socket at the end of a <close> scope", function()
      local a, b = assert(psock.socketpair())
      do
        local st <close> = stream.new(a)
        assert.matches("^psock%.stream%(", tostring(st))
      end
      assert.equal("closed socket", psock.type(a))
      b:close()
    end)
  end)
end)
