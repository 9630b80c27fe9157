-- The examples beyond the echo pairs, run as child processes: the chat
-- server with 500 clients at once and with nc, descriptor passing between
-- processes, multicast on loopback, the port checker, and the HTTP GET
-- against python3's http.server (and curl, for the bytes it should get).  Only loopback
-- addresses and temporary Unix paths are used; every child runs under
-- timeout(1) and is reaped, also when an assertion fails (after_each).
local psock = require "psock"
local H = require "spec.support.helpers"
local E = require "spec.support.examples"

local q = H.shquote

local example, guard = E.command, E.guard

-- Sockets to close when the current test ends (after_each), whatever
-- assertion failed first.
local open_sockets = {}

local function track(sock)
  open_sockets[#open_sockets + 1] = sock
  return sock
end

-- A TCP client connected to 127.0.0.1:port, with a 10 s timeout.
local function connect(port, before)
  local sock = track(assert(psock.socket("inet", "stream")))
  if before then
    before(sock)
  end
  assert(sock:settimeout(10))
  assert(sock:connect("127.0.0.1", port))
  return sock
end

-- "host:port" of a socket's local end, as the chat server names it.
local function name_of(sock)
  local host, port = sock:getsockname()
  return host .. ":" .. port
end

-- A reader of "\n"-terminated lines from a socket: each call returns the
-- next line, or nil and "closed", or nil and the receive error (bounded
-- by the socket's timeout).
local function line_reader(sock)
  local buf = ""
  return function()
    for _ = 1, 100000 do
      local eol = buf:find("\n", 1, true)
      if eol then
        local line = buf:sub(1, eol - 1)
        buf = buf:sub(eol + 1)
        return line
      end
      local data, msg = sock:recv()
      if not data then
        return nil, msg
      elseif data == "" then
        return nil, "closed"
      end
      buf = buf .. data
    end
    return nil, "no end of line"
  end
end

-- "listening on 127.0.0.1:PORT" -> PORT (an integer), or nil.
local function inet_port(first)
  local port = first and first:match("^listening on 127%.0%.0%.1:(%d+)$")
  return port and math.tointeger(tonumber(port))
end

-- How many times a plain string occurs in text.
local function count_of(text, plain)
  local n, at = 0, 1
  while true do
    local found = text:find(plain, at, true)
    if not found then
      return n
    end
    n, at = n + 1, found + #plain
  end
end

-- The lines of a text, as an array.
local function lines_of(text)
  local list = {}
  for line in text:gmatch("([^\n]*)\n") do
    list[#list + 1] = line
  end
  return list
end

describe("more examples", function()
  local dir

  before_each(function()
    dir = H.tmpdir()
  end)

  after_each(function()
    for i = #open_sockets, 1, -1 do
      open_sockets[i]:close()
      open_sockets[i] = nil
    end
    E.stop_all()
    H.rmdir(dir)
  end)

  -- Run an example to completion with `input` on its standard input:
  -- stdout, ok, exit code, stderr.
  local function run_example(name, args, input, limit)
    local infile, errfile = dir .. "/stdin", dir .. "/stderr"
    H.write(infile, input or "")
    local out, ok, code = H.run(example(name, args) .. " <" .. q(infile) ..
                                " 2>" .. q(errfile), limit or 30, true)
    return out, ok, code, H.read(errfile) or ""
  end

  -- A bad command line: exit status 1, nothing on stdout, a message that
  -- matches `pattern` on stderr.
  local function assert_rejected(name, args, pattern)
    local out, ok, code, err = run_example(name, args, "")
    assert.is_falsy(ok, name .. " " .. args .. " should fail")
    assert.are.equal(1, code)
    assert.are.equal("", out)
    assert.matches(pattern, err)
  end

  describe("chat_server.lua", function()
    local log  -- the server's standard error: its join and leave lines

    -- Start the server on a free port with its log in a file; returns
    -- the child and the port.  `prefix` is shell text run before it.
    local function start_chat(prefix)
      log = dir .. "/chat.log"
      local child = guard(H.spawn((prefix or "") ..
        example("chat_server", "127.0.0.1 0") .. " 2>" .. q(log),
        { limit = 120, keep_env = true }))
      local first = child:line()
      local port = inet_port(first)
      assert.is_truthy(port, "first line: " .. tostring(first))
      return child, port
    end

    local function log_text()
      return H.read(log) or ""
    end

    it("relays each line to every other client, with the sender's address", function()
      local _, port = start_chat()
      local a = connect(port)
      local read_a = line_reader(a)
      local b = connect(port)
      local read_b = line_reader(b)
      -- A is told when B joins, which also says the server has B.
      assert.are.equal("* " .. name_of(b) .. " joined", read_a())
      local c = connect(port)
      local read_c = line_reader(c)
      assert.are.equal("* " .. name_of(c) .. " joined", read_a())
      assert.are.equal("* " .. name_of(c) .. " joined", read_b())

      -- A line that arrives in pieces is relayed once it is whole; "\r\n"
      -- ends a line too.
      assert(a:sendall("hel"))
      assert(a:sendall("lo\nsecond\r"))
      assert(a:sendall("\n"))
      for _, read in ipairs({ read_b, read_c }) do
        assert.are.equal(name_of(a) .. ": hello", read())
        assert.are.equal(name_of(a) .. ": second", read())
      end
      -- The sender does not get its own lines back: B's line is next.
      assert(b:sendall("from b\n\n"))
      assert.are.equal(name_of(b) .. ": from b", read_a())
      assert.are.equal(name_of(b) .. ": ", read_a())
      assert.are.equal(name_of(b) .. ": from b", read_c())
      assert.are.equal(name_of(b) .. ": ", read_c())

      -- A last line without "\n" still goes out when its sender leaves.
      local c_name = name_of(c)
      assert(c:sendall("bye"))
      assert(c:shutdown("w"))
      assert.are.same({ "closed" }, { select(2, read_c()) })
      c:close()
      for _, read in ipairs({ read_a, read_b }) do
        assert.are.equal(c_name .. ": bye", read())
        assert.are.equal("* " .. c_name .. " left", read())
      end
      local text = log_text()
      assert.are.equal(3, count_of(text, "chat_server: join 127.0.0.1:"))
      assert.matches("leave " .. c_name:gsub("%.", "%%.") ..
                     " %(closed by the client%)", text)
    end)

    it("serves 500 clients at once: each gets every other client's line", function()
      -- At most a few hundred descriptors each way, but raise the limits
      -- where they are low: the server through its shell, the client
      -- through setrlimit.
      local _, port = start_chat(
        'n=$(ulimit -n); [ "$n" = unlimited ] || [ "$n" -ge 4096 ] || ' ..
        'ulimit -n 4096 2>/dev/null || true; ')
      local peer = guard(H.python([[
import resource, selectors, socket, sys, time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + 60

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 100
if soft != resource.RLIM_INFINITY and soft < want:
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

socks = [socket.create_connection((host, port), timeout=10) for _ in range(n)]
names = ["%s:%d" % s.getsockname()[:2] for s in socks]
print("clients", len(socks))

sel = selectors.DefaultSelector()
for i, s in enumerate(socks):
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
bufs = [b""] * n
joins = [0] * n
messages = [[] for _ in range(n)]
closed = [False] * n

def pump(done):
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        for key, _ in sel.select(min(left, 1.0)):
            i = key.data
            try:
                data = socks[i].recv(65536)
            except BlockingIOError:
                continue
            if not data:
                closed[i] = True
                sel.unregister(socks[i])
                continue
            *lines, bufs[i] = (bufs[i] + data).split(b"\n")
            for line in lines:
                text = line.decode()
                if text.startswith("* ") and text.endswith(" joined"):
                    joins[i] += 1
                else:
                    messages[i].append(text)
    return True

# Every pair of clients gives one "joined" notice, to the one accepted
# first: when all have arrived, the server has every client.
pump(lambda: sum(joins) >= n * (n - 1) // 2)
print("joins", sum(joins))
for i, s in enumerate(socks):
    line = ("hello from client %d\n" % i).encode()
    assert s.send(line) == len(line)
pump(lambda: all(len(m) >= n - 1 for m in messages))
print("messages", sum(len(m) for m in messages))
missing = unexpected = 0
shown = []
for i in range(n):
    want = {"%s: hello from client %d" % (names[j], j) for j in range(n) if j != i}
    got = messages[i]
    missing += len(want - set(got))
    for text in got:
        if text in want:
            want.discard(text)
        else:
            unexpected += 1
            if len(shown) < 5:
                shown.append(text)
print("missing", missing)
print("unexpected", unexpected, *shown)
print("closed", sum(closed))
for s in socks:
    s.close()
]], "127.0.0.1 " .. port .. " 500", { limit = 90 }))
      local out, ok = peer:wait()
      assert.are.equal(table.concat({
        "clients 500",
        "joins 124750",
        "messages 249500",
        "missing 0",
        "unexpected 0",
        "closed 0",
      }, "\n") .. "\n", out)
      assert.is_true(ok)
      -- Each client was logged as it joined, and as it left once python
      -- closed them all (a reset, mostly: python leaves the last notices
      -- unread).
      assert.are.equal(500, count_of(log_text(), "chat_server: join 127.0.0.1:"))
      local function leaves()
        return count_of(log_text(), "chat_server: leave 127.0.0.1:")
      end
      H.eventually(function() return leaves() >= 500 end, 30)
      assert.are.equal(500, leaves())
    end)

    it("works with nc clients", function()
      local server, port = start_chat()
      local function joined()
        return count_of(log_text(), "chat_server: join ")
      end
      -- Two nc processes that only listen (-d: no standard input).
      local cmd = "exec nc -d 127.0.0.1 " .. port
      local one = guard(H.spawn(cmd, { limit = 30 }))
      assert.is_truthy(H.eventually(function() return joined() == 1 end, 10))
      local two = guard(H.spawn(cmd, { limit = 30 }))
      assert.is_truthy(H.eventually(function() return joined() == 2 end, 10))
      -- A third sends two lines and hangs up (-N: shut down the sending
      -- side at the end of its input); it hears nothing itself.
      local infile = dir .. "/nc-stdin"
      H.write(infile, "hello from nc\nsecond line\n")
      local out, ok = H.run("nc -N 127.0.0.1 " .. port .. " <" .. q(infile), 20)
      assert.is_true(ok)
      assert.are.equal("", out)

      -- The log names the three clients in the order they joined.
      local names = {}
      for name in log_text():gmatch("chat_server: join (%S+)\n") do
        names[#names + 1] = name
      end
      assert.are.equal(3, #names)
      assert.are.equal("* " .. names[2] .. " joined", one:line())
      local sender = names[3]
      for _, listener in ipairs({ one, two }) do
        assert.are.equal("* " .. sender .. " joined", listener:line())
        assert.are.equal(sender .. ": hello from nc", listener:line())
        assert.are.equal(sender .. ": second line", listener:line())
        assert.are.equal("* " .. sender .. " left", listener:line())
      end
      -- When the first listener goes, the second is told.
      one:stop()
      assert.are.equal("* " .. names[1] .. " left", two:line())
      two:stop()
      assert.is_truthy(H.eventually(function()
        return count_of(log_text(), "chat_server: leave ") == 3
      end, 10))
      server:stop()
      assert.are.equal(3, count_of(log_text(), "chat_server: join "))
    end)

    it("drops a client that does not read, and keeps serving the others", function()
      local _, port = start_chat()
      -- A small receive buffer that nobody empties: the server's queue
      -- for this client grows until it passes 1 MiB.
      local slow = connect(port, function(sock)
        assert(sock:setopt("rcvbuf", 4096))
      end)
      local slow_name = name_of(slow)
      local reader = connect(port)
      local read = line_reader(reader)
      local sender = connect(port)
      local sender_name = name_of(sender)
      assert.are.equal("* " .. sender_name .. " joined", read())

      local LINES, dropped, received = 64, false, 0
      for chunk = 1, 256 do  -- at most 16 MiB
        local lines = {}
        for i = 1, LINES do
          local head = string.format("%03d-%02d ", chunk, i)
          lines[i] = head .. string.rep("x", 1023 - #head)
        end
        assert(sender:sendall(table.concat(lines, "\n") .. "\n"))
        -- The reader keeps up: it takes each line of the chunk.
        local i = 1
        while i <= LINES do
          local line, err = read()
          assert.is_truthy(line, err)
          if line == "* " .. slow_name .. " left" then
            dropped = true
          else
            assert.are.equal(sender_name .. ": " .. lines[i], line)
            received, i = received + 1, i + 1
          end
        end
        if dropped then
          break
        end
      end
      assert.is_true(dropped, "the slow client was not dropped")
      assert.is_true(received > 1024, "dropped after " .. received .. " KiB")
      assert.matches("leave " .. slow_name:gsub("%.", "%%.") ..
                     " %(too slow: more than 1 MiB", log_text())
      -- The others still talk.
      assert(reader:sendall("still here\n"))
      local sender_read = line_reader(sender)
      assert.are.equal("* " .. slow_name .. " left", sender_read())
      assert.are.equal(name_of(reader) .. ": still here", sender_read())
    end)

    it("drops a client whose line grows past 64 KiB", function()
      local _, port = start_chat()
      local other = connect(port)
      local read = line_reader(other)
      local long = connect(port)
      local long_name = name_of(long)
      assert.are.equal("* " .. long_name .. " joined", read())
      -- The server may reset the connection while this is being sent.
      long:sendall(string.rep("y", 70000))
      assert.are.equal("* " .. long_name .. " left", read())
      local data, msg, errno = long:recv()
      assert.is_true(data == "" or errno == psock.ECONNRESET,
                     "recv: " .. tostring(data or msg))
      assert.matches("%(line longer than 64 KiB%)", log_text())
    end)

    it("stops accepting when out of descriptors, and resumes when a client leaves", function()
      -- 32 descriptors: fewer than the 40 clients need.
      local _, port = start_chat("ulimit -n 32 && ")
      local clients = {}
      for i = 1, 40 do
        clients[i] = connect(port)  -- the kernel completes the handshake
      end
      local function count(what)
        return count_of(log_text(), what)
      end
      assert.is_truthy(H.eventually(function()
        return count("pausing until a client leaves") > 0
      end, 10), "log: " .. log_text())
      local before = count("chat_server: join ")
      assert.is_true(before > 0 and before < 40, "joined: " .. before)
      for i = 1, 20 do
        clients[i]:close()
      end
      assert.is_truthy(H.eventually(function()
        return count("chat_server: join ") == 40 and
               count("chat_server: leave ") == 20
      end, 20), "log: " .. log_text())
      -- The server still relays between the clients it took last.
      local read = line_reader(clients[40])
      assert(clients[39]:sendall("after the pause\n"))
      local line
      for _ = 1, 100 do  -- notices first, then the line
        line = read()
        if not line or not line:find("^%* ") then
          break
        end
      end
      assert.are.equal(name_of(clients[39]) .. ": after the pause", line)
    end)

    it("rejects a bad port", function()
      assert_rejected("chat_server", "127.0.0.1 http", "invalid port 'http'")
      assert_rejected("chat_server", "127.0.0.1 70000", "invalid port '70000'")
      assert_rejected("chat_server", "127.0.0.1 1 2", "too many arguments")
    end)
  end)

  describe("fd_passing.lua", function()
    -- Bytes that must come through unchanged: a NUL, high bytes, no
    -- final newline.
    local CONTENT = "first line\nsecond\0line \xff\xfe\n" ..
      string.rep("0123456789", 1000) .. "\nno newline at the end"

    it("demo mode passes a file from a child process and prints it", function()
      local file = dir .. "/content.txt"
      H.write(file, CONTENT)
      local out, ok, code, err = run_example("fd_passing", q(file))
      assert.are.equal("", err)
      assert.is_true(ok, "exit code " .. tostring(code))
      assert.are.equal(#CONTENT, #out)
      assert.are.equal(CONTENT, out)
    end)

    it("demo mode with no argument passes the script itself", function()
      local out, ok, _, err = run_example("fd_passing")
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(H.read(E.dir .. "fd_passing.lua"), out)
    end)

    it("serve and fetch run as two processes", function()
      local file, path = dir .. "/content.txt", dir .. "/pass.sock"
      H.write(file, CONTENT)
      local server = guard(H.spawn(example("fd_passing", "serve " .. q(path) ..
                                           " " .. q(file)),
                                   { limit = 30, keep_env = true }))
      assert.are.equal("listening on " .. path, server:line())
      local out, ok, _, err = run_example("fd_passing", "fetch " .. q(path))
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(CONTENT, out)
      local rest, served = server:wait()
      assert.are.equal("", rest)
      assert.is_true(served)
      assert.is_nil(io.open(path, "r"), "the socket path was left behind")
    end)

    it("serve hands a descriptor that this process reads", function()
      local file, path = dir .. "/content.txt", dir .. "/pass.sock"
      H.write(file, CONTENT)
      local server = guard(H.spawn(example("fd_passing", "serve " .. q(path) ..
                                           " " .. q(file)),
                                   { limit = 30, keep_env = true }))
      assert.are.equal("listening on " .. path, server:line())
      local sock = track(assert(psock.socket("unix", "stream")))
      assert(sock:settimeout(10))
      assert(sock:connect(path))
      local data, fds = assert(sock:recvmsg())
      assert.are.equal(file, data)
      assert.are.equal(1, #fds)
      assert.is_true(H.cloexec(fds[1]))
      local f = assert(psock.fdopen(fds[1], "r"))
      local text = f:read("a")
      f:close()
      assert.are.equal(CONTENT, text)
      local _, served = server:wait()
      assert.is_true(served)
    end)

    it("fetch reads a descriptor sent by python3", function()
      local file, path = dir .. "/content.txt", dir .. "/py.sock"
      H.write(file, CONTENT)
      local peer = guard(H.python([[
import socket, sys
path, name = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(20)
print("listening on", path)
conn, _ = srv.accept()
with open(name, "rb") as f:
    socket.send_fds(conn, [b"x"], [f.fileno()])
conn.close()
srv.close()
]], q(path) .. " " .. q(file), { limit = 30 }))
      assert.are.equal("listening on " .. path, peer:line())
      local out, ok, _, err = run_example("fd_passing", "fetch " .. q(path))
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(CONTENT, out)
      local _, peer_ok = peer:wait()
      assert.is_true(peer_ok)
    end)

    it("fails cleanly: missing file, no server, no descriptor", function()
      local path = dir .. "/none.sock"
      local out, ok, code, err = run_example("fd_passing",
        "serve " .. q(path) .. " " .. q(dir .. "/missing.txt"))
      assert.is_falsy(ok)
      assert.are.equal(1, code)
      assert.are.equal("", out)
      assert.matches("cannot open .*missing%.txt", err)
      assert.is_nil(io.open(path, "r"))

      out, ok, code, err = run_example("fd_passing", "fetch " .. q(path))
      assert.is_falsy(ok)
      assert.are.equal(1, code)
      assert.are.equal("", out)
      assert.matches("cannot connect to", err)

      -- A peer that sends data but no descriptor.
      local server = track(assert(psock.socket("unix", "stream")))
      assert(server:bind(path))
      assert(server:listen())
      local peer = guard(H.spawn(example("fd_passing", "fetch " .. q(path)) ..
                                 " 2>&1", { limit = 30, keep_env = true }))
      server:settimeout(10)
      local conn = track(assert(server:accept()))
      assert(conn:sendall("no descriptor here"))
      conn:close()
      local rest, peer_ok, _, peer_code = peer:wait()
      assert.is_falsy(peer_ok)
      assert.are.equal(1, peer_code)
      assert.matches("no descriptor arrived", rest)

      out, ok, code = run_example("fd_passing", "serve " .. q(path))
      assert.is_falsy(ok)
      assert.are.equal(1, code)
      assert.are.equal("", out)
    end)
  end)

  describe("udp_multicast.lua", function()
    -- "HOST:PORT: DATA" lines from 127.0.0.1, all from one port: DATAs.
    local function datagrams(lines)
      local list, from = {}, nil
      for _, line in ipairs(lines) do
        local port, data = line:match("^127%.0%.0%.1:(%d+): (.*)$")
        assert.is_truthy(port, "line: " .. line)
        assert.is_true(from == nil or from == port, "senders " .. tostring(from) ..
                       " and " .. port)
        from = port
        list[#list + 1] = data
      end
      return list
    end

    it("demo mode receives the three datagrams it sends", function()
      local out, ok, _, err = run_example("udp_multicast", "239.255.0.1 0")
      assert.are.equal("", err)
      assert.is_true(ok)
      local lines = lines_of(out)
      assert.are.equal(5, #lines, out)
      local port = lines[1]:match("^listening on 239%.255%.0%.1:(%d+)$")
      assert.is_truthy(port, lines[1])
      assert.is_true(tonumber(port) > 0)
      assert.are.same({
        "multicast datagram 1 of 3",
        "multicast datagram 2 of 3",
        "multicast datagram 3 of 3",
      }, datagrams({ lines[2], lines[3], lines[4] }))
      assert.are.equal("received 3 of 3", lines[5])
    end)

    it("send role reaches the recv role in another process", function()
      local receiver = guard(H.spawn(example("udp_multicast",
        "recv 239.255.0.1 0 4 20"), { limit = 30, keep_env = true }))
      local first = receiver:line()
      local port = first and first:match("^listening on 239%.255%.0%.1:(%d+)$")
      assert.is_truthy(port, "first line: " .. tostring(first))
      local input = "one\ntwo words\n\nlast line\n"
      local out, ok, _, err = run_example("udp_multicast",
                                          "send 239.255.0.1 " .. port, input)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal("", out)
      local rest, received = receiver:wait()
      assert.is_true(received)
      assert.are.same({ "one", "two words", "", "last line" },
                      datagrams(lines_of(rest)))
    end)

    it("send role sends from 127.0.0.1 with a time-to-live of 1", function()
      -- python3 reads the TTL of each datagram it receives (IP_RECVTTL is
      -- 12 on Linux; older pythons do not name it).
      local peer = guard(H.python([[
import socket, struct, sys
group = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((group, 0))
mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1"))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
s.settimeout(20)
print("listening on %s:%d" % (group, s.getsockname()[1]))
for _ in range(2):
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(4))
    ttl = None
    for level, kind, value in anc:
        if level == socket.IPPROTO_IP and kind == socket.IP_TTL:
            ttl = struct.unpack("i", value[:4])[0]
    print(repr(data.decode()), addr[0], "ttl", ttl)
]], "239.255.0.1", { limit = 30 }))
      local first = peer:line()
      local port = first and first:match("^listening on 239%.255%.0%.1:(%d+)$")
      assert.is_truthy(port, "first line: " .. tostring(first))
      local _, ok = run_example("udp_multicast", "send 239.255.0.1 " .. port,
                                "first datagram\nsecond\n")
      assert.is_true(ok)
      local out, peer_ok = peer:wait()
      assert.is_true(peer_ok)
      assert.are.equal("'first datagram' 127.0.0.1 ttl 1\n" ..
                       "'second' 127.0.0.1 ttl 1\n", out)
    end)

    it("send role reaches a psock member of the group", function()
      local sock = track(assert(psock.socket("inet", "dgram")))
      assert(sock:setopt("reuseaddr", true))
      assert(sock:bind("239.255.0.1", 0))
      assert(sock:setopt("add_membership", { "239.255.0.1", "127.0.0.1" }))
      local _, port = sock:getsockname()
      local _, ok = run_example("udp_multicast", "send 239.255.0.1 " .. port,
                                "datagram from the example\n")
      assert.is_true(ok)
      assert(sock:settimeout(10))
      local data, host = sock:recvfrom()
      assert.are.equal("datagram from the example", data)
      assert.are.equal("127.0.0.1", host)
    end)

    it("recv role ends after its time limit with what it got", function()
      local out, ok, _, err = run_example("udp_multicast",
                                          "recv 239.255.0.1 0 2 1")
      assert.is_true(ok)
      assert.matches("^listening on 239%.255%.0%.1:%d+\n$", out)
      assert.matches("received 0 of 2 datagrams within 1 s", err)
    end)

    it("rejects a group that is not multicast, and bad numbers", function()
      assert_rejected("udp_multicast", "127.0.0.1", "invalid group '127%.0%.0%.1'")
      assert_rejected("udp_multicast", "send 10.1.2.3 7073", "invalid group")
      assert_rejected("udp_multicast", "recv 239.255.0.1 99999", "invalid port")
      assert_rejected("udp_multicast", "recv 239.255.0.1 0 0", "invalid count")
      assert_rejected("udp_multicast", "send 239.255.0.1 0", "invalid port '0'")
    end)
  end)

  describe("portcheck.lua", function()
    -- A TCP socket bound to a port but not listening: connections to it
    -- are refused, and no other process can take the port meanwhile.
    local function refusing_port()
      local sock = track(assert(psock.socket("inet", "stream")))
      assert(sock:bind("127.0.0.1", 0))
      local _, port = sock:getsockname()
      return port
    end

    local function listening_port()
      local sock, port = H.listener()
      track(sock)
      return port
    end

    it("tells an open port from a closed one, in port order", function()
      local open = listening_port()
      local closed = refusing_port()
      local out, ok, _, err = run_example("portcheck",
        "127.0.0.1 " .. closed .. " " .. open .. " " .. closed)
      assert.are.equal("", err)
      assert.is_true(ok)
      local lines = {
        [open] = open .. " open",
        [closed] = closed .. " closed",
      }
      local low, high = math.min(open, closed), math.max(open, closed)
      assert.are.equal(lines[low] .. "\n" .. lines[high] .. "\n", out)
    end)

    it("checks a free port and uses 127.0.0.1 by default", function()
      local free = H.free_port()
      local out, ok = run_example("portcheck", tostring(free))
      assert.is_true(ok)
      assert.are.equal(free .. " closed\n", out)
    end)

    it("checks a range of ports", function()
      -- Five consecutive ports that are all ours: listening at even
      -- offsets, bound but refusing at odd ones.
      -- Candidates come from below the ephemeral range (32768 and up on
      -- Linux), where a busy machine's outgoing connections don't land.
      local base
      for _ = 1, 50 do
        local candidate = math.random(20000, 32000)
        if candidate + 4 <= 65535 then
          local socks, all = {}, true
          for i = 0, 4 do
            local sock = track(assert(psock.socket("inet", "stream")))
            socks[#socks + 1] = sock
            -- Connections of other programs may linger in TIME_WAIT on
            -- these ports; they are no reason to give a port up.
            assert(sock:setopt("reuseaddr", true))
            if not sock:bind("127.0.0.1", candidate + i) then
              all = false
              break
            end
            if i % 2 == 0 then
              assert(sock:listen())
            end
          end
          if all then
            base = candidate
            break
          end
          for _, sock in ipairs(socks) do
            sock:close()
          end
        end
      end
      assert.is_truthy(base, "no five free consecutive ports")
      local out, ok, _, err = run_example("portcheck",
        "127.0.0.1 " .. base .. "-" .. base + 4)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(table.concat({
        base .. " open",
        base + 1 .. " closed",
        base + 2 .. " open",
        base + 3 .. " closed",
        base + 4 .. " open",
      }, "\n") .. "\n", out)
    end)

    it("reports a port that does not answer as timeout", function()
      -- A listener whose accept queue is full: Linux drops further SYNs,
      -- so a connection neither succeeds nor is refused.
      local full = track(assert(psock.socket("inet", "stream")))
      assert(full:bind("127.0.0.1", 0))
      assert(full:listen(0))
      local _, port = full:getsockname()
      local filler = connect(port)
      assert.is_truthy(filler)
      local open = listening_port()
      local out, ok, _, err = run_example("portcheck",
        "-t 1 127.0.0.1 " .. port .. " " .. open)
      assert.are.equal("", err)
      assert.is_true(ok)
      local lines = { [port] = port .. " timeout", [open] = open .. " open" }
      local low, high = math.min(port, open), math.max(port, open)
      assert.are.equal(lines[low] .. "\n" .. lines[high] .. "\n", out)
    end)

    it("takes many ports at once", function()
      local ports, expect = {}, {}
      for i = 1, 20 do
        local port = i % 2 == 0 and listening_port() or refusing_port()
        ports[#ports + 1] = port
        expect[#expect + 1] = { port, port .. (i % 2 == 0 and " open" or " closed") }
      end
      table.sort(expect, function(x, y) return x[1] < y[1] end)
      local want = {}
      for i, e in ipairs(expect) do
        want[i] = e[2]
      end
      local out, ok = run_example("portcheck", table.concat(ports, " "))
      assert.is_true(ok)
      assert.are.equal(table.concat(want, "\n") .. "\n", out)
    end)

    it("waits for a descriptor when the process runs out of them", function()
      local ports = {}
      for i = 1, 60 do ports[i] = refusing_port() end
      table.sort(ports)
      local want = {}
      for i, port in ipairs(ports) do want[i] = port .. " closed" end
      -- 40 descriptors: fewer than the ports, which are all in flight at once
      local out, ok = H.run("ulimit -n 40 && " .. example("portcheck",
                            "127.0.0.1 " .. table.concat(ports, " ")) .. " 2>&1", 30, true)
      assert.is_true(ok, out)
      assert.are.equal(table.concat(want, "\n") .. "\n", out)
    end)

    it("rejects bad ports and a missing port", function()
      assert_rejected("portcheck", "0", "invalid port '0'")
      assert_rejected("portcheck", "127.0.0.1 10-5", "invalid port '10%-5'")
      assert_rejected("portcheck", "127.0.0.1 70000", "invalid port '70000'")
      assert_rejected("portcheck", "127.0.0.1", "no port to check")
      assert_rejected("portcheck", "-t 0 80", "invalid time limit")
    end)
  end)

  describe("http_get.lua", function()
    -- python3's http.server on 127.0.0.1, serving `dir`: the child and its port.
    local function http_server()
      local child = guard(H.spawn("cd " .. q(dir) .. " && exec python3 -u -m http.server " ..
                                  "--bind 127.0.0.1 0 2>&1", { limit = 30 }))
      local line = child:line() or ""
      local port = math.tointeger(tonumber(line:match(" port (%d+) ")))
      assert(port, "http.server did not start: " .. line)
      return child, port
    end

    it("writes the body to stdout and the status and headers to stderr", function()
      local body = "hello\nfrom a file\n" .. string.rep("x", 100000) .. "\nend\n"
      H.write(dir .. "/a.txt", body)
      local _, port = http_server()
      local url = "http://127.0.0.1:" .. port .. "/a.txt"
      local out, ok, code, err = run_example("http_get", q(url))
      assert.is_true(ok, err)
      assert.equal(0, code)
      assert.equal(body, out)
      assert.matches("^HTTP/1%.0 200 OK\n", err)
      assert.matches("\nContent%-Length: " .. #body .. "\n", err)
      -- the same bytes as curl gets
      local curl = H.run("curl -s --max-time 10 " .. q(url), 20)
      assert.equal(curl, out)
    end)

    it("reaches the server by name and fails with status 1 on a 404", function()
      H.write(dir .. "/index.html", "<p>index</p>\n")
      local _, port = http_server()
      local out, ok = run_example("http_get", q("http://localhost:" .. port .. "/"))
      assert.is_true(ok)
      assert.equal("<p>index</p>\n", out)
      local _, ok404, code, err = run_example("http_get",
                                              q("http://127.0.0.1:" .. port .. "/missing"))
      assert.is_falsy(ok404)
      assert.equal(1, code)
      assert.matches("^HTTP/1%.0 404 ", err)
    end)

    it("says why when nothing listens or the reply is not HTTP", function()
      local out, ok, code, err = run_example("http_get",
                                             "http://127.0.0.1:" .. H.free_port() .. "/")
      assert.is_falsy(ok)
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("cannot connect to 127%.0%.0%.1 port %d+: Connection refused", err)
      local l <close> = assert(psock.socket("inet", "stream"))
      assert(l:bind("127.0.0.1", 0))
      assert(l:listen())
      local _, port = l:getsockname()
      local peer = guard(H.spawn(example("http_get", "http://127.0.0.1:" .. port .. "/ 5") ..
                                 " 2>&1", { limit = 30, keep_env = true }))
      assert(l:settimeout(10))
      local c <close> = assert(l:accept())
      assert(c:settimeout(10))
      assert.matches("^GET / HTTP/1%.0\r\nHost: 127%.0%.0%.1:" .. port .. "\r\n",
                     (c:recv()))
      assert(c:sendall("SSH-2.0-not-http\r\n"))
      c:close()
      local rest = peer:wait()
      assert.matches("not an HTTP reply: 'SSH%-2%.0%-not%-http'", rest)
    end)

    it("rejects a bad command line", function()
      assert_rejected("http_get", "", "no URL")
      assert_rejected("http_get", "ftp://127.0.0.1/", "not an http:// URL")
      assert_rejected("http_get", "http://127.0.0.1:70000/", "not an http:// URL")
      assert_rejected("http_get", "http://127.0.0.1/ 0", "invalid timeout")
      assert_rejected("http_get", "a b c", "too many arguments")
    end)
  end)
end)
