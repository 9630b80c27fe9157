-- Addresses as plain Lua values: inet_pton/inet_ntop, hosts (numeric,
-- names, the any address), ports (integers, numeric strings, service
-- names), resolver failures; and the small module functions: gethostname,
-- errname/strerror, constants, monotime.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.proc"

-- A service name that /etc/services lists for `proto`, and its port.
local function service_for(proto)
  local text = assert(H.read("/etc/services"), "no /etc/services")
  for _, name in ipairs({ "ntp", "domain", "syslog", "echo", "discard" }) do
    for line in text:gmatch("[^\n]+") do
      local n, port, p = line:match("^(%S+)%s+(%d+)/(%a+)")
      if n == name and p == proto then return name, tonumber(port) end
    end
  end
  error("no known " .. proto .. " service in /etc/services")
end

local EAI = { [psock.EAI_NONAME] = "EAI_NONAME", [psock.EAI_SERVICE] = "EAI_SERVICE",
              [psock.EAI_AGAIN] = "EAI_AGAIN" }

describe("inet_pton and inet_ntop", function()
  local cases = {
    { "inet", "127.0.0.1", "\127\0\0\1" },
    { "inet", "0.0.0.0", "\0\0\0\0" },
    { "inet", "255.255.255.255", "\255\255\255\255" },
    { "inet", "192.168.10.1", "\192\168\10\1" },
    { "inet6", "::1", string.rep("\0", 15) .. "\1" },
    { "inet6", "::", string.rep("\0", 16) },
    { "inet6", "fe80::1:2", "\254\128" .. string.rep("\0", 10) .. "\0\1\0\2" },
    { "inet6", "2001:db8::ff00:42:8329",
      "\32\1\13\184\0\0\0\0\0\0\255\0\0\66\131\41" },
    { "inet6", "::ffff:1.2.3.4", string.rep("\0", 10) .. "\255\255\1\2\3\4" },
  }

  it("round trip IPv4 and IPv6 addresses", function()
    for _, case in ipairs(cases) do
      local family, text, packed = case[1], case[2], case[3]
      assert.equal(packed, psock.inet_pton(family, text), text)
      assert.equal(text, psock.inet_ntop(family, packed), text)
    end
  end)

  it("take the family as an integer constant", function()
    assert.equal("\10\0\0\1", psock.inet_pton(psock.AF_INET, "10.0.0.1"))
    assert.equal("10.0.0.1", psock.inet_ntop(psock.AF_INET, "\10\0\0\1"))
    assert.equal(16, #psock.inet_pton(psock.AF_INET6, "::1"))
  end)

  it("give the canonical text of an IPv6 address", function()
    local packed = psock.inet_pton("inet6", "2001:0DB8:0000:0000:0000:FF00:0042:8329")
    assert.equal("2001:db8::ff00:42:8329", psock.inet_ntop("inet6", packed))
  end)

  it("return nil, message for text that is not an address", function()
    local bad = {
      { "inet", "256.1.1.1" }, { "inet", "1.2.3" }, { "inet", "::1" },
      { "inet", "" }, { "inet", "localhost" }, { "inet", "1.2.3.4 " },
      { "inet6", "1.2.3.4" }, { "inet6", ":::" }, { "inet6", "fe80::1::2" },
      { "inet6", "" }, { "inet6", "12345::" },
    }
    for _, case in ipairs(bad) do
      local r = table.pack(psock.inet_pton(case[1], case[2]))
      assert.equal(2, r.n, case[2])
      assert.is_nil(r[1])
      assert.is_string(r[2])
      assert.matches(case[2], r[2], 1, true)
    end
  end)

  it("return nil, message for packed bytes of the wrong length", function()
    for _, case in ipairs({ { "inet", "" }, { "inet", "abc" }, { "inet", "abcde" },
                            { "inet6", "abcd" }, { "inet6", string.rep("x", 17) } }) do
      local r = table.pack(psock.inet_ntop(case[1], case[2]))
      assert.equal(2, r.n)
      assert.is_nil(r[1])
      assert.matches("must be %d+ bytes, got " .. #case[2], r[2])
    end
  end)

  it("raise for a family other than inet and inet6", function()
    for _, call in ipairs({
      function() return psock.inet_pton("unix", "1.2.3.4") end,
      function() return psock.inet_ntop("unix", "\1\2\3\4") end,
      function() return psock.inet_pton(psock.AF_UNIX, "1.2.3.4") end,
      function() return psock.inet_pton(12345, "1.2.3.4") end,
    }) do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.matches("family must be inet or inet6", err, 1, true)
    end
    local ok, err = pcall(psock.inet_pton, "ipx", "1.2.3.4")
    assert.is_false(ok)
    assert.matches("unknown family 'ipx'", err, 1, true)
  end)
end)

describe("hosts", function()
  it("resolve 'localhost' within an inet socket's family", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.is_true(s:bind("localhost", 0))
    local host, port = s:getsockname()
    assert.equal("127.0.0.1", host)
    assert.is_true(port > 0)
    local u <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(u:connect("localhost", 9))
    assert.same({ "127.0.0.1", 9 }, { u:getpeername() })
  end)

  it("resolve 'localhost' within an inet6 socket's family", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s <close> = assert(psock.socket("inet6", "dgram"))
    local ok, msg, code = s:connect("localhost", 9)
    if ok then
      -- an IPv6 address, never an IPv4 one (even mapped)
      assert.same({ "::1", 9 }, { s:getpeername() })
    else
      -- where the hosts file gives localhost no IPv6 address
      assert.is_nil(ok)
      assert.is_string(msg)
      assert.is_truthy(EAI[code], "code " .. tostring(code))
    end
  end)

  it("take '*' and '' as the any address", function()
    for _, host in ipairs({ "*", "" }) do
      local s <close> = assert(psock.socket("inet", "dgram"))
      assert.is_true(s:bind(host, 0))
      local any, port = s:getsockname()
      assert.equal("0.0.0.0", any)
      assert.is_true(port > 0)
    end
    -- also with a service given as a string, through the resolver
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.is_true(s:bind("*", "0"))
    assert.equal("0.0.0.0", (s:getsockname()))
  end)

  it("take '*' and '' as the inet6 any address", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    for _, host in ipairs({ "*", "" }) do
      local s <close> = assert(psock.socket("inet6", "dgram"))
      assert.is_true(s:bind(host, 0))
      assert.equal("::", (s:getsockname()))
    end
  end)

  it("return nil, gai message, code for a name that does not resolve", function()
    -- .invalid never resolves (RFC 6761)
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, call in ipairs({
      function() return s:connect("no-such-host.invalid", 9) end,
      function() return s:bind("no-such-host.invalid", 0) end,
      function() return s:sendto("x", "no-such-host.invalid", 9) end,
    }) do
      local r = table.pack(call())
      assert.equal(3, r.n)
      assert.is_nil(r[1])
      assert.is_string(r[2])
      assert.is_truthy(EAI[r[3]], "code " .. tostring(r[3]))
      assert.equal("integer", math.type(r[3]))
    end
  end)

  it("hand back received addresses in the form sendto takes", function()
    local a <close> = assert(psock.socket("inet", "dgram"))
    local b <close> = assert(psock.socket("inet", "dgram"))
    assert(a:bind("127.0.0.1", 0))
    assert(b:bind("127.0.0.1", 0))
    a:settimeout(5)
    b:settimeout(5)
    assert.equal(4, b:sendto("ping", a:getsockname()))
    local data, host, port = a:recvfrom()
    assert.equal("ping", data)
    assert.same({ b:getsockname() }, { host, port })
    assert.equal(4, a:sendto(data, host, port))
    assert.equal("ping", b:recv())
  end)
end)

describe("ports", function()
  it("accept 0 and 65535", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(s:bind("127.0.0.1", 0))
    assert.is_true(s:connect("127.0.0.1", 65535))
    assert.same({ "127.0.0.1", 65535 }, { s:getpeername() })
  end)

  it("raise 'port out of range' below 0 and above 65535", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, port in ipairs({ -1, 65536, 1 << 32, math.mininteger }) do
      for _, call in ipairs({
        function() return s:bind("127.0.0.1", port) end,
        function() return s:connect("127.0.0.1", port) end,
        function() return s:sendto("x", "127.0.0.1", port) end,
      }) do
        local ok, err = pcall(call)
        assert.is_false(ok, "port " .. port)
        assert.matches("port out of range", err, 1, true)
      end
    end
  end)

  it("raise for a port that is not an integer", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, port in ipairs({ 1.5, 0 / 0, math.huge }) do
      local ok, err = pcall(function() return s:connect("127.0.0.1", port) end)
      assert.is_false(ok)
      assert.matches("bad argument #2 to 'connect'", err, 1, true)
    end
    for _, port in ipairs({ {}, true }) do
      local ok, err = pcall(function() return s:connect("127.0.0.1", port) end)
      assert.is_false(ok)
      assert.matches("port", err, 1, true)
    end
    local ok, err = pcall(function() return s:connect("127.0.0.1") end)
    assert.is_false(ok)
    assert.matches("bad argument #2 to 'connect'", err, 1, true)
  end)

  it("take numeric strings", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(s:connect("127.0.0.1", "8080"))
    assert.same({ "127.0.0.1", 8080 }, { s:getpeername() })
    local t <close> = assert(psock.socket("inet", "stream"))
    assert.is_true(t:bind("127.0.0.1", "0"))
    local host, port = t:getsockname()
    assert.equal("127.0.0.1", host)
    assert.is_true(port > 0)
  end)

  it("take service names", function()
    local name, number = service_for("udp")
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(s:connect("127.0.0.1", name))
    assert.same({ "127.0.0.1", number }, { s:getpeername() })
  end)

  it("connect to a service name as to its number", function()
    -- whatever is (not) listening on port 80, both forms meet the same fate
    local function attempt(port)
      local s <close> = assert(psock.socket("inet", "stream"))
      assert(s:settimeout(5))
      local r = table.pack(s:connect("127.0.0.1", port))
      return r[1], r[3]
    end
    local ok80, err80 = attempt(80)
    local okhttp, errhttp = attempt("http")
    assert.equal(ok80, okhttp)
    assert.equal(err80, errhttp)
    if not ok80 then assert.equal(psock.ECONNREFUSED, errhttp) end
  end)

  it("return nil, gai message, code for an unknown service", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, service in ipairs({ "no-such-service", "http-but-not-quite" }) do
      local r = table.pack(s:connect("127.0.0.1", service))
      assert.equal(3, r.n, service)
      assert.is_nil(r[1])
      assert.is_string(r[2])
      assert.is_truthy(EAI[r[3]], service .. ": code " .. tostring(r[3]))
    end
  end)
end)

describe("module functions", function()
  it("gethostname returns a non-empty string", function()
    local name = psock.gethostname()
    assert.is_string(name)
    assert.is_true(#name > 0)
    assert.is_nil(name:find("\0", 1, true))
    local out = H.run("hostname")
    assert.equal(out:gsub("%s+$", ""), name)
  end)

  it("errname and strerror name errno values", function()
    assert.equal(111, psock.ECONNREFUSED)
    assert.equal("ECONNREFUSED", psock.errname(111))
    assert.equal("ECONNREFUSED", psock.errname(psock.ECONNREFUSED))
    assert.equal("Connection refused", psock.strerror(111))
    assert.equal("Broken pipe", psock.strerror(psock.EPIPE))
    assert.is_nil(psock.errname(99999))
    assert.is_nil(psock.errname(-1))
    assert.is_nil(psock.errname(0))
    assert.is_string(psock.strerror(99999))
  end)

  it("errname names every E* constant back to its value", function()
    local n = 0
    for name, value in pairs(psock) do
      if name:match("^E[A-Z0-9]+$") then
        local back = psock.errname(value)
        assert.is_string(back, name)
        assert.equal(value, psock[back], name)
        assert.equal(psock.strerror(value), psock.strerror(psock[back]))
        n = n + 1
      end
    end
    assert.is_true(n > 50)
  end)

  it("exports the platform's constants as integers", function()
    for _, name in ipairs({
      "AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC",
      "SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET", "SOCK_RAW",
      "IPPROTO_TCP", "IPPROTO_UDP", "IPPROTO_IP", "IPPROTO_IPV6",
      "SOL_SOCKET", "SO_REUSEADDR", "SO_ERROR", "SO_TYPE", "SO_LINGER",
      "TCP_NODELAY", "IP_TTL", "IPV6_V6ONLY",
      "SOMAXCONN", "MSG_PEEK", "MSG_DONTWAIT", "MSG_NOSIGNAL", "MSG_TRUNC",
      "SHUT_RD", "SHUT_WR", "SHUT_RDWR",
      "AI_PASSIVE", "AI_CANONNAME", "AI_NUMERICHOST",
      "NI_NUMERICHOST", "NI_NUMERICSERV",
      "EAI_NONAME", "EAI_SERVICE", "EAI_AGAIN",
      "EAGAIN", "EWOULDBLOCK", "EINTR", "EPIPE", "ECONNREFUSED", "ETIMEDOUT",
      "EINPROGRESS", "EMFILE", "EBADF", "ENOTSOCK", "EADDRINUSE",
    }) do
      assert.equal("integer", math.type(psock[name]), name)
    end
    -- Linux values, as a check that they are the platform's own
    assert.equal(2, psock.AF_INET)
    assert.equal(10, psock.AF_INET6)
    assert.equal(1, psock.AF_UNIX)
    assert.equal(1, psock.SOCK_STREAM)
    assert.equal(2, psock.SOCK_DGRAM)
    assert.equal(2, psock.SHUT_RDWR)
    assert.equal(2, psock.MSG_PEEK)
    assert.equal(11, psock.EAGAIN)
    assert.is_true(psock.SOMAXCONN >= 128)
    assert.is_true(psock.EAI_NONAME < 0)
  end)

  it("monotime increases", function()
    local t1 = psock.monotime()
    assert.equal("float", math.type(t1))
    local t2 = psock.monotime()
    assert.is_true(t2 >= t1)
    P.sleep(0.05)
    local t3 = psock.monotime()
    assert.is_true(t3 - t2 >= 0.045, "slept 0.05 s, monotime moved " .. (t3 - t2))
    assert.is_true(t3 - t2 < 60)
  end)
end)
