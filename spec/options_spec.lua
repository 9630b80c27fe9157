-- Socket options: the named form (s:setopt("nodelay", true)) with its value
-- kinds, read-only options, misuse, and the raw form with integers and
-- packed strings.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.proc"

-- Set an option, read it back: the value read must equal `expect`
-- (default: the value set).
local function round_trip(s, name, value, expect)
  assert.is_true(s:setopt(name, value), name)
  local got = s:getopt(name)
  if expect == nil then expect = value end
  assert.equal(expect, got, name .. " set to " .. tostring(value))
end

describe("named options", function()
  it("round trip booleans at the socket level", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, name in ipairs({ "reuseaddr", "reuseport", "keepalive" }) do
      assert.is_false(s:getopt(name), name .. " is off by default")
      round_trip(s, name, true)
      round_trip(s, name, false)
      round_trip(s, name, true)
    end
  end)

  it("round trip broadcast on a UDP socket", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_false(s:getopt("broadcast"))
    round_trip(s, "broadcast", true)
    round_trip(s, "broadcast", false)
  end)

  it("round trip nodelay on a TCP socket, before and after connecting", function()
    local c, a = H.tcp_pair()
    local _ <close> = P.closing(c, a)
    local l <close> = assert(psock.socket("inet", "stream"))
    for _, s in ipairs({ l, c, a }) do
      assert.is_false(s:getopt("nodelay"))
      round_trip(s, "nodelay", true)
      round_trip(s, "nodelay", false)
    end
  end)

  it("round trip linger as seconds or false", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.is_false(s:getopt("linger"))
    round_trip(s, "linger", 7)
    round_trip(s, "linger", 0)
    round_trip(s, "linger", false)
    round_trip(s, "linger", 120)
    -- the kernel's view of it
    local packed = s:getopt(psock.SOL_SOCKET, psock.SO_LINGER, 8)
    local on, seconds = string.unpack("i4i4", packed)
    assert.equal(1, on)
    assert.equal(120, seconds)
  end)

  it("round trip buffer sizes as integers (Linux doubles them)", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, name in ipairs({ "rcvbuf", "sndbuf" }) do
      local default = s:getopt(name)
      assert.equal("integer", math.type(default))
      assert.is_true(default > 0)
      for _, size in ipairs({ 32768, 100000 }) do
        assert.is_true(s:setopt(name, size))
        local got = s:getopt(name)
        assert.equal("integer", math.type(got))
        assert.is_true(got >= size, name .. ": set " .. size .. ", got " .. got)
        assert.is_true(got <= 2 * size, name .. ": set " .. size .. ", got " .. got)
      end
    end
  end)

  it("round trip TCP keepalive settings", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, case in ipairs({ { "keepidle", 77 }, { "keepintvl", 13 }, { "keepcnt", 4 } }) do
      local default = s:getopt(case[1])
      assert.equal("integer", math.type(default))
      assert.not_equal(case[2], default)
      round_trip(s, case[1], case[2])
    end
  end)

  it("round trip ttl on inet sockets", function()
    for _, kind in ipairs({ "stream", "dgram" }) do
      local s <close> = assert(psock.socket("inet", kind))
      assert.equal("integer", math.type(s:getopt("ttl")))
      round_trip(s, "ttl", 42)
      round_trip(s, "ttl", 1)
    end
  end)

  it("round trip multicast settings on a UDP socket", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.equal(1, s:getopt("multicast_ttl"))
    round_trip(s, "multicast_ttl", 5)
    assert.is_true(s:getopt("multicast_loop"))
    round_trip(s, "multicast_loop", false)
    round_trip(s, "multicast_loop", true)
  end)

  it("round trip the other socket and TCP options", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, name in ipairs({ "oobinline", "dontroute", "cork" }) do
      assert.is_false(s:getopt(name), name)
      round_trip(s, name, true)
      round_trip(s, name, false)
    end
    round_trip(s, "quickack", false)
    round_trip(s, "quickack", true)
    for _, case in ipairs({ { "tos", 16 }, { "rcvlowat", 10 }, { "priority", 3 },
                            { "user_timeout", 5000 }, { "maxseg", 1000 } }) do
      assert.not_equal(case[2], s:getopt(case[1]), case[1])
      round_trip(s, case[1], case[2])
    end
  end)

  it("round trip bindtodevice as an interface name", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.equal("", s:getopt("bindtodevice"))
    local ok, _, err = s:setopt("bindtodevice", "lo")
    if ok then
      assert.equal("lo", s:getopt("bindtodevice"))
      round_trip(s, "bindtodevice", "")
    else
      assert.equal(psock.EPERM, err)   -- it needs CAP_NET_RAW
    end
    local bad, msg = pcall(s.setopt, s, "bindtodevice", string.rep("x", 16))
    assert.is_false(bad)
    assert.matches("interface name too long", msg, 1, true)
  end)

  it("set multicast_if by address and read the address back", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.equal("0.0.0.0", s:getopt("multicast_if"))
    round_trip(s, "multicast_if", "127.0.0.1")
    round_trip(s, "multicast_if", "0.0.0.0")
    assert.is_true(s:setopt("multicast_if", "lo"))
    assert.is_true(s:setopt("multicast_if", 0))
    local ok, err = pcall(function() return s:setopt("multicast_if", "no-such-if0") end)
    assert.is_false(ok)
    assert.matches("no interface 'no-such-if0'", err, 1, true)
  end)

  it("join and leave multicast groups, write-only", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.is_true(s:setopt("add_membership", { "239.255.12.34", "127.0.0.1" }))
    assert.is_true(s:setopt("drop_membership", { "239.255.12.34", "127.0.0.1" }))
    -- leaving a group not joined is the kernel's error, not a raise
    local ok, msg, err = s:setopt("drop_membership", { "239.255.12.34", "127.0.0.1" })
    assert.is_nil(ok)
    assert.equal(psock.strerror(err), msg)
    for _, name in ipairs({ "add_membership", "drop_membership" }) do
      local raised, text = pcall(function() return s:getopt(name) end)
      assert.is_false(raised)
      assert.matches("option '" .. name .. "' is write-only", text, 1, true)
    end
    for _, case in ipairs({ { "foo", "not a multicast group: 'foo'" },
                            { {}, "group address expected" },
                            { { "239.1.1.1", "no-such-if0" }, "no interface 'no-such-if0'" },
                            { { "239.1.1.1", {} },
                              "interface (index, name or address) expected" } }) do
      local raised, text = pcall(function() return s:setopt("add_membership", case[1]) end)
      assert.is_false(raised)
      assert.matches("bad argument #2 to 'setopt'", text, 1, true)
      assert.matches(case[2], text, 1, true)
    end
  end)

  it("pick the inet6 level for inet6 sockets", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s <close> = assert(psock.socket("inet6", "dgram"))
    round_trip(s, "v6only", true)
    round_trip(s, "v6only", false)
    round_trip(s, "ttl", 33)
    round_trip(s, "multicast_ttl", 6)
    round_trip(s, "multicast_loop", false)
    -- the raw form sees the IPv6 options, not the IPv4 ones
    assert.equal(33, s:getopt(psock.IPPROTO_IPV6, psock.IPV6_UNICAST_HOPS))
    assert.equal(6, s:getopt(psock.IPPROTO_IPV6, psock.IPV6_MULTICAST_HOPS))
    assert.equal(0, s:getopt(psock.IPPROTO_IPV6, psock.IPV6_V6ONLY))
    assert(s:setopt("v6only", true))
    assert.equal(1, s:getopt(psock.IPPROTO_IPV6, psock.IPV6_V6ONLY))
  end)

  it("v6only keeps an inet6 socket off IPv4", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s <close> = assert(psock.socket("inet6", "dgram"))
    assert(s:setopt("v6only", true))
    assert(s:bind("::", 0))
    local _, port = s:getsockname()
    local v4 <close> = assert(psock.socket("inet", "dgram"))
    -- the IPv4 port is free: an inet6 socket with v6only does not hold it
    assert.is_true(v4:bind("127.0.0.1", port))
  end)
end)

describe("read-only options", function()
  it("read back the socket type", function()
    local t <close> = assert(psock.socket("inet", "stream"))
    assert.equal("stream", t:getopt("type"))
    local u <close> = assert(psock.socket("inet", "dgram"))
    assert.equal("dgram", u:getopt("type"))
    local a, b = assert(psock.socketpair("unix", "seqpacket"))
    assert.equal("seqpacket", a:getopt("type"))
    a:close()
    b:close()
  end)

  it("read back acceptconn, true only after listen", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.is_false(s:getopt("acceptconn"))
    assert(s:bind("127.0.0.1", 0))
    assert.is_false(s:getopt("acceptconn"))
    assert(s:listen())
    assert.is_true(s:getopt("acceptconn"))
  end)

  it("read back error: 0, or the error of a background connect", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.equal(0, s:getopt("error"))
    -- a refused non-blocking connect leaves ECONNREFUSED there, once
    local port = H.free_port()
    assert(s:settimeout(0))
    local ok, _, err = s:connect("127.0.0.1", port)
    local pending_error
    if ok == nil and err == psock.EINPROGRESS then
      pending_error = H.eventually(function()
        local e = s:getopt("error")
        return e ~= 0 and e
      end)
    else
      pending_error = err
    end
    assert.equal(psock.ECONNREFUSED, pending_error)
    assert.equal(0, s:getopt("error"))
  end)

  it("raise when set", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, case in ipairs({ { "error", 0 }, { "type", 1 }, { "acceptconn", true } }) do
      local ok, err = pcall(s.setopt, s, case[1], case[2])
      assert.is_false(ok, case[1])
      assert.matches("option '" .. case[1] .. "' is read%-only", err)
    end
    assert.equal("stream", s:getopt("type"))
  end)
end)

describe("misuse of named options", function()
  it("raises for an unknown name, naming it", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    local ok, err = pcall(function() return s:setopt("no_such_option", true) end)
    assert.is_false(ok)
    assert.matches("unknown option 'no_such_option'", err, 1, true)
    ok, err = pcall(function() return s:getopt("reuse_addr") end)
    assert.is_false(ok)
    assert.matches("unknown option 'reuse_addr'", err, 1, true)
    -- C names are not option names
    ok, err = pcall(function() return s:getopt("SO_REUSEADDR") end)
    assert.is_false(ok)
    assert.matches("unknown option 'SO_REUSEADDR'", err, 1, true)
  end)

  it("raises for a value of the wrong type", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    local cases = {
      { "reuseaddr", 1, "boolean expected" },
      { "reuseaddr", "yes", "boolean expected" },
      { "nodelay", nil, "boolean expected" },
      { "keepalive", {}, "boolean expected" },
      { "rcvbuf", "x", "number expected" },
      { "rcvbuf", true, "number expected" },
      { "rcvbuf", 1.5, "integer representation" },
      { "rcvbuf", 2^40, "out of range" },
      { "ttl", {}, "number expected" },
      { "linger", true, "seconds or false expected" },
      { "linger", "x", "seconds or false expected" },
      { "linger", nil, "seconds or false" },
      { "linger", -1, "out of range" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(function() return s:setopt(case[1], case[2]) end)
      assert.is_false(ok, case[1] .. " = " .. tostring(case[2]))
      assert.matches("bad argument #2 to 'setopt'", err, 1, true)
      assert.matches(case[3], err, 1, true)
    end
    local ok, err = pcall(function() return s:setopt("reuseaddr") end)
    assert.is_false(ok)
    assert.matches("bad argument #2 to 'setopt'", err, 1, true)
  end)

  it("raises for v6only on an inet socket", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, call in ipairs({
      function() return s:setopt("v6only", true) end,
      function() return s:getopt("v6only") end,
    }) do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.matches("option 'v6only' needs an inet6 socket", err, 1, true)
    end
  end)

  it("reports options the protocol does not have as nil, message, errno", function()
    local a, b = assert(psock.socketpair())
    local v, msg, err = a:getopt("nodelay")
    local ok, smsg, serr = a:setopt("nodelay", true)
    a:close()
    b:close()
    assert.is_nil(v)
    assert.is_string(msg)
    assert.equal("integer", math.type(err))
    assert.is_nil(ok)
    assert.equal(psock.strerror(serr), smsg)
  end)
end)

describe("raw options", function()
  it("set with an integer or a boolean, read as an integer", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.equal(0, s:getopt(psock.SOL_SOCKET, psock.SO_REUSEADDR))
    assert.is_true(s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, 1))
    assert.equal(1, s:getopt(psock.SOL_SOCKET, psock.SO_REUSEADDR))
    assert.is_true(s:getopt("reuseaddr"))
    assert.is_true(s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, false))
    assert.equal(0, s:getopt(psock.SOL_SOCKET, psock.SO_REUSEADDR))
    assert.is_true(s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, true))
    assert.equal(1, s:getopt(psock.SOL_SOCKET, psock.SO_REUSEADDR))
    assert.is_true(s:setopt(psock.IPPROTO_TCP, psock.TCP_NODELAY, true))
    assert.is_true(s:getopt("nodelay"))
    assert.is_true(s:setopt(psock.IPPROTO_IP, psock.IP_TTL, 17))
    assert.equal(17, s:getopt("ttl"))
    assert.equal(psock.SOCK_STREAM, s:getopt(psock.SOL_SOCKET, psock.SO_TYPE))
  end)

  it("set and read packed strings", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert.is_true(s:setopt(psock.SOL_SOCKET, psock.SO_LINGER,
                            string.pack("i4i4", 1, 7)))
    assert.equal(7, s:getopt("linger"))
    local packed = s:getopt(psock.SOL_SOCKET, psock.SO_LINGER, 8)
    assert.equal(8, #packed)
    assert.equal(string.pack("i4i4", 1, 7), packed)
    -- at most size bytes: the kernel says how many it wrote
    assert.equal(8, #s:getopt(psock.SOL_SOCKET, psock.SO_LINGER, 64))
    assert(s:setopt("reuseaddr", true))
    assert.equal(string.pack("i4", 1), s:getopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, 4))
  end)

  it("raise for a size out of range", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, size in ipairs({ 0, -1, 65537, 2^40 }) do
      local ok, err = pcall(function()
        return s:getopt(psock.SOL_SOCKET, psock.SO_LINGER, size)
      end)
      assert.is_false(ok, "size " .. size)
      assert.matches("bad argument #3 to 'getopt'", err, 1, true)
    end
    local ok = pcall(function()
      return s:getopt(psock.SOL_SOCKET, psock.SO_LINGER, 1.5)
    end)
    assert.is_false(ok)
  end)

  it("raise for a missing or non-integer option name", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, call in ipairs({
      function() return s:getopt(psock.SOL_SOCKET) end,
      function() return s:getopt(psock.SOL_SOCKET, "x") end,
      function() return s:getopt(1.5, psock.SO_TYPE) end,
      function() return s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR) end,
      function() return s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, {}) end,
      function() return s:setopt(psock.SOL_SOCKET, psock.SO_REUSEADDR, 2^40) end,
    }) do
      assert.is_false(pcall(call))
    end
  end)

  it("return nil, message, errno for a level the socket does not have", function()
    -- Linux says ENOPROTOOPT; gVisor says EOPNOTSUPP
    local function refused(err)
      return err == psock.ENOPROTOOPT or err == psock.EOPNOTSUPP
    end
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, result in ipairs({
      table.pack(s:getopt(12345, 1)),
      table.pack(s:getopt(12345, 1, 16)),
      table.pack(s:setopt(12345, 1, 1)),
      table.pack(s:setopt(12345, 1, "abcd")),
    }) do
      assert.equal(3, result.n)
      assert.is_nil(result[1])
      assert.is_true(refused(result[3]), "errno " .. tostring(result[3]))
      assert.equal(psock.strerror(result[3]), result[2])
    end
  end)
end)
