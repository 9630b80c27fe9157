-- The example scripts and the demo, run as child processes: each server
-- with its own client, with independent peers (python3, socat, nc), and
-- with bad arguments.  Every child runs under timeout(1) and is reaped,
-- also when an assertion fails (after_each stops what is still running).
local psock = require "psock"
local H = require "spec.support.helpers"
local E = require "spec.support.examples"

local q = H.shquote

local example, guard = E.command, E.guard

-- Start an example server; returns the child and its first line.
local function start_server(kind, args)
  local child = guard(H.spawn(example(kind .. "_echo_server", args),
                              { limit = 30, keep_env = true }))
  return child, child:line()
end

-- "listening on 127.0.0.1:PORT" -> PORT (an integer), or nil.
local function inet_port(first)
  local port = first and first:match("^listening on 127%.0%.0%.1:(%d+)$")
  return port and math.tointeger(tonumber(port))
end

-- Start a python3 peer; returns the child and its first line.
local function start_python(source, args)
  local child = guard(H.python(source, args, { limit = 30 }))
  return child, child:line()
end

local function lines_of(list)
  return table.concat(list, "\n") .. "\n"
end

-- Lines that exercise the clients: empty, blanks, non-ASCII, and one long
-- enough to need several sends and receives.
local LINES = lines_of {
  "hello",
  "",
  "  two spaces, a tab\tand punctuation: ok?!",
  "caf\u{e9} \u{2014} \u{65e5}\u{672c}",
  string.rep("0123456789abcdef", 12500),  -- 200,000 bytes
  "last line",
}

-- Datagram lines must each fit in one UDP datagram.
local DATAGRAM_LINES = lines_of {
  "hello",
  "",
  "  two spaces, a tab\tand punctuation: ok?!",
  "caf\u{e9}",
  string.rep("x", 8000),
  "last line",
}

describe("examples", function()
  local dir

  before_each(function()
    dir = H.tmpdir()
  end)

  after_each(function()
    E.stop_all()
    H.rmdir(dir)
  end)

  -- Run an example client (or any example) with `input` on its standard
  -- input: stdout, ok, exit code, stderr.
  local function run_example(name, args, input)
    local infile, errfile = dir .. "/stdin", dir .. "/stderr"
    H.write(infile, input or "")
    local out, ok, code = H.run(example(name, args) .. " <" .. q(infile) ..
                                " 2>" .. q(errfile), 30, true)
    return out, ok, code, H.read(errfile) or ""
  end

  -- Run a shell command that is not ours (a peer: socat, nc).
  local function run_peer(cmd, input)
    local infile = dir .. "/peer-stdin"
    H.write(infile, input)
    return H.run(cmd .. " <" .. q(infile), 20)
  end

  -- A bad command line: exit status 1, nothing on stdout, a message that
  -- matches `pattern` on stderr.
  local function assert_rejected(name, args, pattern)
    local out, ok, code, err = run_example(name, args, "hello\n")
    assert.is_falsy(ok, name .. " " .. args .. " should fail")
    assert.are.equal(1, code)
    assert.are.equal("", out)
    assert.matches(pattern, err)
  end

  describe("tcp_echo_server.lua and tcp_echo_client.lua", function()
    it("prints 'listening on 127.0.0.1:PORT' first, with the real port", function()
      local server, first = start_server("tcp", "127.0.0.1 0")
      local port = inet_port(first)
      assert.is_truthy(port, "first line: " .. tostring(first))
      assert.is_true(port > 0)
      -- The port is real: a connection to it is echoed.
      local c <close> = assert(psock.socket("inet", "stream"))
      c:settimeout(10)
      assert(c:connect("127.0.0.1", port))
      assert(c:sendall("ping\n"))
      assert.are.equal("ping\n", c:recv())
      c:close()
      local rest = server:stop()
      assert.matches("connection from 127%.0%.0%.1:%d+\n", rest)
    end)

    it("client sends each line of stdin and prints each reply", function()
      local _, first = start_server("tcp", "127.0.0.1 0")
      local port = assert(inet_port(first), first)
      local out, ok, code, err = run_example("tcp_echo_client",
                                             "127.0.0.1 " .. port, LINES)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(0, code)
      assert.are.equal(#LINES, #out)
      assert.are.equal(LINES, out)
    end)

    it("server serves one client after another", function()
      local server, first = start_server("tcp", "127.0.0.1 0")
      local port = assert(inet_port(first), first)
      for n = 1, 3 do
        local input = "client " .. n .. "\n"
        local out, ok = run_example("tcp_echo_client", "127.0.0.1 " .. port,
                                    input)
        assert.is_true(ok)
        assert.are.equal(input, out)
      end
      local rest = server:stop()
      local _, closed = rest:gsub("closed 127%.0%.0%.1:%d+\n", "")
      assert.are.equal(3, closed)
    end)

    it("server echoes a python3 client's bytes until it closes", function()
      local _, first = start_server("tcp", "127.0.0.1 0")
      local port = assert(inet_port(first), first)
      local peer = guard(H.python([[
import socket, sys
port = int(sys.argv[1])
for n in range(2):
    payload = b"connection %d\n" % n + bytes(range(256)) * 256 + b"\r\n\x00end"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        for _ in range(100000):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    if got == payload:
        print("ok", n)
    else:
        print("mismatch: sent %d bytes, got %d" % (len(payload), len(got)))
]], tostring(port), { limit = 30 }))
      local out, ok = peer:wait()
      assert.are.equal("ok 0\nok 1\n", out)
      assert.is_true(ok)
    end)

    it("client works against a python3 echo server that replies in pieces", function()
      local peer, port = start_python([[
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(10)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.settimeout(10)
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
got = b""
for _ in range(100000):
    data = conn.recv(5)
    if not data:
        break
    got += data
    for i in range(0, len(data), 2):  # the reply in 2-byte pieces
        conn.sendall(data[i:i + 2])
conn.close()
print(got.hex())
]])
      assert.matches("^%d+$", port)
      local input = lines_of { "one", "", "three: " .. string.rep("3", 3000) }
      local out, ok, _, err = run_example("tcp_echo_client",
                                          "127.0.0.1 " .. port, input)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(input, out)
      -- The server saw exactly the lines, each with its newline.
      local seen = peer:wait()
      local hex = input:gsub(".", function(c)
        return string.format("%02x", c:byte())
      end)
      assert.are.equal(hex .. "\n", seen)
    end)

    it("server listens on the port it is given", function()
      local port = H.free_port()
      local _, first = start_server("tcp", "127.0.0.1 " .. port)
      assert.are.equal("listening on 127.0.0.1:" .. port, first)
      local out = run_example("tcp_echo_client", "127.0.0.1 " .. port,
                              "given port\n")
      assert.are.equal("given port\n", out)
    end)

    it("server and client default to 127.0.0.1 port 7070", function()
      local _, first = start_server("tcp", nil)
      assert.are.equal("listening on 127.0.0.1:7070", first)
      local out, ok = run_example("tcp_echo_client", nil, "default\n")
      assert.is_true(ok)
      assert.are.equal("default\n", out)
    end)

    it("server rejects an invalid port with a clear message", function()
      assert_rejected("tcp_echo_server", "127.0.0.1 seventy", "invalid port 'seventy'")
      assert_rejected("tcp_echo_server", "127.0.0.1 70000", "invalid port '70000'")
      assert_rejected("tcp_echo_server", "127.0.0.1 -5", "invalid port '%-5'")
      assert_rejected("tcp_echo_server", "127.0.0.1 1 extra", "too many arguments")
    end)

    it("client rejects an invalid port with a clear message", function()
      assert_rejected("tcp_echo_client", "127.0.0.1 0", "invalid port '0'")
      assert_rejected("tcp_echo_client", "127.0.0.1 http", "invalid port 'http'")
      assert_rejected("tcp_echo_client", "127.0.0.1 65536", "invalid port '65536'")
    end)

    it("client reports a refused connection", function()
      local port = H.free_port()
      assert_rejected("tcp_echo_client", "127.0.0.1 " .. port,
                      "cannot connect to 127%.0%.0%.1:" .. port ..
                      ": Connection refused")
    end)

    it("server reports a port already in use", function()
      local listener <close>, port = H.listener()
      assert.is_truthy(listener)
      assert_rejected("tcp_echo_server", "127.0.0.1 " .. port,
                      "cannot bind to 127%.0%.0%.1:" .. port ..
                      ": Address already in use")
    end)
  end)

  describe("udp_echo_server.lua and udp_echo_client.lua", function()
    it("prints 'listening on 127.0.0.1:PORT' first, with the real port", function()
      local _, first = start_server("udp", "127.0.0.1 0")
      local port = inet_port(first)
      assert.is_truthy(port, "first line: " .. tostring(first))
      assert.is_true(port > 0)
      local s <close> = assert(psock.socket("inet", "dgram"))
      s:settimeout(10)
      assert(s:bind("127.0.0.1", 0))
      assert.are.equal(4, s:sendto("ping", "127.0.0.1", port))
      local data, host, from_port = s:recvfrom()
      assert.are.equal("ping", data)
      assert.are.equal("127.0.0.1", host)
      assert.are.equal(port, from_port)
    end)

    it("client sends each line of stdin and prints each reply", function()
      local _, first = start_server("udp", "127.0.0.1 0")
      local port = assert(inet_port(first), first)
      local out, ok, code, err = run_example("udp_echo_client",
                                             "127.0.0.1 " .. port,
                                             DATAGRAM_LINES)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(0, code)
      assert.are.equal(DATAGRAM_LINES, out)
    end)

    it("server answers each python3 sender at its own address", function()
      local _, first = start_server("udp", "127.0.0.1 0")
      local port = assert(inet_port(first), first)
      local peer = guard(H.python([[
import socket, sys
server = ("127.0.0.1", int(sys.argv[1]))
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for s in (a, b):
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
for m in (b"from python", b"", b"\x00binary\xff\r\n", b"x" * 60000):
    a.sendto(m, server)
    b.sendto(m + b"/b", server)
    got_a, from_a = a.recvfrom(65536)
    got_b, from_b = b.recvfrom(65536)
    if (got_a, got_b, from_a, from_b) != (m, m + b"/b", server, server):
        print("mismatch on a datagram of", len(m), "bytes")
        break
else:
    print("ok")
]], tostring(port), { limit = 30 }))
      local out, ok = peer:wait()
      assert.are.equal("ok\n", out)
      assert.is_true(ok)
    end)

    it("client works against a python3 echo server", function()
      local peer, port = start_python([[
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(10)
print(s.getsockname()[1], flush=True)
for n in range(3):
    data, addr = s.recvfrom(65536)
    s.sendto(data, addr)
print("served", n + 1)
]])
      assert.matches("^%d+$", port)
      local input = lines_of { "a", "bb", "ccc" }
      local out, ok, _, err = run_example("udp_echo_client",
                                          "127.0.0.1 " .. port, input)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(input, out)
      assert.are.equal("served 3\n", (peer:wait()))
    end)

    it("client gives up with a message when no reply comes", function()
      -- A bound socket that never answers: the datagram is "lost".
      local silent <close> = assert(psock.socket("inet", "dgram"))
      assert(silent:bind("127.0.0.1", 0))
      local _, port = silent:getsockname()
      local started = psock.monotime()
      local out, ok, code, err = run_example("udp_echo_client",
                                             "127.0.0.1 " .. port, "lost?\n")
      local elapsed = psock.monotime() - started
      assert.is_falsy(ok)
      assert.are.equal(1, code)
      assert.are.equal("", out)
      assert.matches("timeout", err)
      assert.is_true(elapsed >= 1.5 and elapsed < 10,
                     "gave up after " .. elapsed .. " s")
      -- The datagram did go out.
      silent:settimeout(1)
      assert.are.equal("lost?", silent:recv())
    end)

    it("server listens on the port it is given", function()
      local port = H.free_port("dgram")
      local _, first = start_server("udp", "127.0.0.1 " .. port)
      assert.are.equal("listening on 127.0.0.1:" .. port, first)
      local out = run_example("udp_echo_client", "127.0.0.1 " .. port,
                              "given port\n")
      assert.are.equal("given port\n", out)
    end)

    it("server and client default to 127.0.0.1 port 7071", function()
      local _, first = start_server("udp", nil)
      assert.are.equal("listening on 127.0.0.1:7071", first)
      local out, ok = run_example("udp_echo_client", nil, "default\n")
      assert.is_true(ok)
      assert.are.equal("default\n", out)
    end)

    it("server and client reject an invalid port with a clear message", function()
      assert_rejected("udp_echo_server", "127.0.0.1 port", "invalid port 'port'")
      assert_rejected("udp_echo_server", "127.0.0.1 99999", "invalid port '99999'")
      assert_rejected("udp_echo_client", "127.0.0.1 0", "invalid port '0'")
      assert_rejected("udp_echo_client", "127.0.0.1 1.5", "invalid port '1%.5'")
    end)
  end)

  describe("unix_echo_server.lua and unix_echo_client.lua", function()
    local function is_socket(path)
      return os.execute("test -S " .. q(path)) == true
    end

    it("prints 'listening on PATH' first and listens there", function()
      local path = dir .. "/echo.sock"
      local server, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      assert.is_true(is_socket(path))
      local c <close> = assert(psock.socket("unix", "stream"))
      c:settimeout(10)
      assert(c:connect(path))
      assert(c:sendall("ping\n"))
      assert.are.equal("ping\n", c:recv())
      c:close()
      assert.matches("connection 1 opened\n", (server:stop()))
    end)

    it("client sends each line of stdin and prints each reply", function()
      local path = dir .. "/echo.sock"
      local _, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      local out, ok, code, err = run_example("unix_echo_client", q(path), LINES)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(0, code)
      assert.are.equal(LINES, out)
    end)

    it("server echoes to socat and to nc", function()
      local path = dir .. "/echo.sock"
      local _, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      local input = lines_of { "via socat", "", "second line" }
      local out, ok = run_peer("socat -t 5 - UNIX-CONNECT:" .. q(path), input)
      assert.is_true(ok)
      assert.are.equal(input, out)
      out, ok = run_peer("nc -N -U " .. q(path), "via nc\n")
      assert.is_true(ok)
      assert.are.equal("via nc\n", out)
    end)

    it("client works against a socat echo server", function()
      local path = dir .. "/socat.sock"
      local peer = guard(H.spawn("exec socat UNIX-LISTEN:" .. q(path) .. " PIPE",
                                 { limit = 30 }))
      assert.is_truthy(H.eventually(function() return is_socket(path) end),
                       "socat did not start listening")
      local input = lines_of { "to socat", "and back" }
      local out, ok, _, err = run_example("unix_echo_client", q(path), input)
      assert.are.equal("", err)
      assert.is_true(ok)
      assert.are.equal(input, out)
      peer:stop()
    end)

    it("server replaces a stale socket file left by a killed server", function()
      local path = dir .. "/echo.sock"
      -- What a killed server leaves behind: a socket file, nobody behind it.
      local stale = assert(psock.socket("unix", "stream"))
      assert(stale:bind(path))
      stale:close()
      assert.is_true(is_socket(path))
      local _, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      local out, ok = run_example("unix_echo_client", q(path), "fresh\n")
      assert.is_true(ok)
      assert.are.equal("fresh\n", out)
    end)

    it("server replaces the file of a server that was killed", function()
      local path = dir .. "/echo.sock"
      local first_server, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      first_server:stop()
      assert.is_true(is_socket(path))  -- SIGTERM leaves the file
      local _, again = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, again)
      local out = run_example("unix_echo_client", q(path), "second life\n")
      assert.are.equal("second life\n", out)
    end)

    it("server leaves alone a path that is not a socket", function()
      local path = dir .. "/precious.txt"
      H.write(path, "keep me\n")
      assert_rejected("unix_echo_server", q(path), "exists and is not a socket")
      assert.are.equal("keep me\n", H.read(path))
    end)

    it("server refuses a path where another server listens", function()
      local path = dir .. "/echo.sock"
      local _, first = start_server("unix", q(path))
      assert.are.equal("listening on " .. path, first)
      assert_rejected("unix_echo_server", q(path), "another server is listening")
      -- The first server still has its path and still answers.
      assert.is_true(is_socket(path))
      local out = run_example("unix_echo_client", q(path), "still here\n")
      assert.are.equal("still here\n", out)
    end)

    it("server and client reject a path too long for sun_path", function()
      local path = dir .. "/" .. string.rep("x", 120)
      assert_rejected("unix_echo_server", q(path), "invalid path")
      assert_rejected("unix_echo_client", q(path), "invalid path")
      assert_rejected("unix_echo_server", "a b", "too many arguments")
    end)

    it("client reports a path where nobody listens", function()
      assert_rejected("unix_echo_client", q(dir .. "/nobody.sock"),
                      "cannot connect to .*nobody%.sock: No such file or directory")
    end)
  end)

  describe("demo.sh", function()
    local function run_demo(env)
      return H.run((env or "") .. "sh " .. q(E.dir .. "demo.sh") ..
                   " 2>" .. q(dir .. "/demo.err"), 60, true)
    end

    it("runs the three exchanges and succeeds", function()
      local out, ok, code = run_demo()
      assert.are.equal("", H.read(dir .. "/demo.err"))
      assert.is_true(ok)
      assert.are.equal(0, code)
      for _, kind in ipairs { "tcp", "udp", "unix" } do
        assert.matches("\n== " .. kind .. " ==\n", out, 1, true)
        assert.matches("\n" .. kind .. ': sent "hello" %-> got "hello"\n', out)
        assert.matches("\n" .. kind .. ": ok, 3 lines echoed\n", out, 1, true)
      end
      assert.matches("listening on 127%.0%.0%.1:%d+\n", out)
      assert.matches("\ndemo: all three exchanges worked%.\n$", out)
      -- Its temporary directory is gone.
      local work = out:match("listening on (/.-)/echo%.sock\n")
      assert.is_truthy(work, "the unix server's path is shown")
      assert.is_falsy(os.rename(work, work))
    end)

    it("fails when an exchange fails", function()
      -- An interpreter that runs everything, except that it replaces the
      -- UDP client with one that shouts back.
      local wrapper = dir .. "/lua"
      H.write(wrapper, "#!/bin/sh\n" ..
        "case \"$1\" in *udp_echo_client.lua) exec tr a-z A-Z ;; esac\n" ..
        "exec " .. H.lua .. " \"$@\"\n")
      assert(os.execute("chmod +x " .. q(wrapper)))
      local out, ok, code = run_demo("LUA=" .. q(wrapper) .. " ")
      assert.is_falsy(ok)
      assert.are.equal(1, code)
      assert.matches('udp: sent "hello" -> got "HELLO"  MISMATCH', out, 1, true)
      assert.matches("\nudp: FAILED\n", out, 1, true)
      assert.matches("\ntcp: ok, 3 lines echoed\n", out, 1, true)
      assert.matches("\nunix: ok, 3 lines echoed\n", out, 1, true)
      assert.matches("demo: 1 of 3 exchanges failed.", out, 1, true)
    end)
  end)
end)
