-- Multicast and the IP/TCP options around it, on the loopback interface
-- only.  Every datagram goes to the group 239.255.0.1 (IPv4) or
-- ff02::1:2345%lo (IPv6) from a socket whose multicast_if is loopback, with
-- ttl 1 and bound to the device lo where that is allowed: all of it is set,
-- and checked, before the first send, so nothing leaves the machine.
-- Receivers join on loopback only (interface 127.0.0.1 or lo).
local psock = require "psock"
local H = require "spec.support.helpers"

local GROUP = "239.255.0.1"
local GROUP6 = "ff02::1:2345"

-- ---- local helpers ----

-- The error raised by fn(...), asserting that it raised one.
local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

local function is_root()
  return tonumber((H.run("id -u"))) == 0
end

-- A sender whose multicast leaves only through loopback.  Each setting is
-- asserted: if one fails the test stops before anything is sent.
local function setup_sender(s, family)
  local ok, msg, errno = s:setopt("bindtodevice", "lo")
  if not ok then
    -- unprivileged and not allowed: multicast_if below still pins the route
    assert.equal(psock.EPERM, errno, msg)
  end
  if family == "inet" then
    assert.is_true(s:setopt("multicast_if", "127.0.0.1"))
    assert.equal("127.0.0.1", s:getopt("multicast_if"))
  else
    assert.is_true(s:setopt("multicast_if", "lo"))
    assert.equal(psock.if_nametoindex("lo"), s:getopt("multicast_if"))
  end
  assert.is_true(s:setopt("multicast_ttl", 1))
  assert.equal(1, s:getopt("multicast_ttl"))
  assert.is_true(s:setopt("multicast_loop", true))
  assert.is_true(s:getopt("multicast_loop"))
end

-- The socket is closed again when a check fails.
local function loopback_sender(family)
  local s = assert(psock.socket(family, "dgram"))
  local ok, err = pcall(setup_sender, s, family)
  if not ok then
    s:close()
    error(err, 0)
  end
  return s
end

-- A UDP receiver bound to the any address given, on a fresh port: sock, port.
-- It gets only the groups it joined itself (IP_MULTICAST_ALL off), so that
-- another process's membership on lo cannot feed it.
local function receiver(any)
  local r = assert(psock.socket("inet", "dgram"))
  local ok, err = pcall(function()
    assert.is_true(r:setopt("reuseaddr", true))
    assert.is_true(r:bind(any, 0))
    assert.is_true(r:setopt(psock.IPPROTO_IP, psock.IP_MULTICAST_ALL, false))
  end)
  if not ok then
    r:close()
    error(err, 0)
  end
  local _, port = r:getsockname()
  return r, port
end

-- ---- IPv4 ----

describe("IPv4 multicast on loopback", function()
  for _, any in ipairs({ "0.0.0.0", "*" }) do
    it("delivers to a member bound to " .. any .. " that joined on 127.0.0.1", function()
      local r <close>, port = receiver(any)
      assert.is_true(r:setopt("add_membership", { GROUP, "127.0.0.1" }))
      local s <close> = loopback_sender("inet")
      assert.is_true(s:bind("127.0.0.1", 0))
      local _, sport = s:getsockname()
      assert.equal(11, s:sendto("hello group", GROUP, port))
      r:settimeout(5)
      local data, host, from = r:recvfrom()
      assert.equal("hello group", data)
      assert.equal("127.0.0.1", host)
      assert.equal(sport, from)
      assert.is_true(r:setopt("drop_membership", { GROUP, "127.0.0.1" }))
    end)
  end

  it("stops delivering after drop_membership, and delivers again after a new join", function()
    local r <close>, port = receiver("0.0.0.0")
    local s <close> = loopback_sender("inet")
    assert.is_true(r:setopt("add_membership", { GROUP, "127.0.0.1" }))
    assert.equal(5, s:sendto("first", GROUP, port))
    r:settimeout(5)
    assert.equal("first", (r:recvfrom()))

    assert.is_true(r:setopt("drop_membership", { GROUP, "127.0.0.1" }))
    assert.equal(10, s:sendto("after drop", GROUP, port))
    r:settimeout(0.2)
    local data, msg, errno = r:recvfrom()
    assert.is_nil(data, "a datagram arrived after drop_membership: " .. tostring(data))
    assert.equal("timeout", msg)
    assert.equal(psock.ETIMEDOUT, errno)

    -- joined again (the interface as its index this time): only what is
    -- sent now arrives, the datagram sent while out of the group never does
    assert.is_true(r:setopt("add_membership", { GROUP, psock.if_nametoindex("lo") }))
    assert.equal(12, s:sendto("after rejoin", GROUP, port))
    r:settimeout(5)
    assert.equal("after rejoin", (r:recvfrom()))
    r:settimeout(0)
    data, msg, errno = r:recvfrom()
    assert.is_nil(data, tostring(data))
    assert.equal(psock.EAGAIN, errno, msg)
    assert.is_true(r:setopt("drop_membership", { GROUP, psock.if_nametoindex("lo") }))
    -- leaving a group twice is the kernel's error, not a raise
    local ok, msg2, errno2 = r:setopt("drop_membership", { GROUP, "127.0.0.1" })
    assert.is_nil(ok)
    assert.equal("string", type(msg2))
    assert.equal(psock.EADDRNOTAVAIL, errno2)
  end)

  it("does not deliver to a socket that never joined", function()
    local member <close>, port = receiver("0.0.0.0")
    local other <close>, other_port = receiver("0.0.0.0")
    assert.is_true(member:setopt("add_membership", { GROUP, "127.0.0.1" }))
    local s <close> = loopback_sender("inet")
    assert.equal(2, s:sendto("to", GROUP, other_port))
    assert.equal(6, s:sendto("member", GROUP, port))
    member:settimeout(5)
    assert.equal("member", (member:recvfrom()))
    other:settimeout(0.2)
    local data, msg = other:recvfrom()
    assert.is_nil(data, tostring(data))
    assert.equal("timeout", msg)
    assert.is_true(member:setopt("drop_membership", { GROUP, "127.0.0.1" }))
  end)

  it("reads back multicast_if, multicast_ttl and multicast_loop", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.equal("0.0.0.0", s:getopt("multicast_if"))
    assert.is_true(s:setopt("multicast_if", "127.0.0.1"))
    assert.equal("127.0.0.1", s:getopt("multicast_if"))
    assert.is_true(s:setopt("multicast_if", "0.0.0.0"))
    assert.equal("0.0.0.0", s:getopt("multicast_if"))
    -- an interface given by name or index is accepted too
    assert.is_true(s:setopt("multicast_if", "lo"))
    assert.is_true(s:setopt("multicast_if", psock.if_nametoindex("lo")))

    assert.equal(1, s:getopt("multicast_ttl"))
    for _, ttl in ipairs({ 0, 4, 255, 1 }) do
      assert.is_true(s:setopt("multicast_ttl", ttl))
      assert.equal(ttl, s:getopt("multicast_ttl"))
    end
    local ok, msg, errno = s:setopt("multicast_ttl", 256)
    assert.is_nil(ok)
    assert.equal("string", type(msg))
    assert.equal(psock.EINVAL, errno)

    assert.is_true(s:getopt("multicast_loop"))
    assert.is_true(s:setopt("multicast_loop", false))
    assert.is_false(s:getopt("multicast_loop"))
    assert.is_true(s:setopt("multicast_loop", true))
    assert.is_true(s:getopt("multicast_loop"))
  end)

  it("raises when reading add_membership or drop_membership (write-only)", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, name in ipairs({ "add_membership", "drop_membership" }) do
      local err = raises(function() return s:getopt(name) end)
      assert.matches("option '" .. name .. "' is write-only", err, 1, true)
    end
  end)

  it("raises for a bad group or interface, before any system call", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, group in ipairs({ "not.a.group", "239.255.0.256", "ff02::1", "" }) do
      local err = raises(function() return s:setopt("add_membership", { group, "127.0.0.1" }) end)
      assert.matches("not a multicast group", err, 1, true)
    end
    local err = raises(function() return s:setopt("add_membership", { GROUP, "nosuchif0" }) end)
    assert.matches("no interface 'nosuchif0'", err, 1, true)
    err = raises(function() return s:setopt("add_membership", { GROUP, {} }) end)
    assert.matches("interface", err, 1, true)
    err = raises(function() return s:setopt("add_membership", { nil, "127.0.0.1" }) end)
    assert.matches("group address expected", err, 1, true)
    err = raises(function() return s:setopt("add_membership") end)
    assert.matches("value expected", err, 1, true)
    err = raises(function() return s:setopt("multicast_if", "nosuchif0") end)
    assert.matches("no interface", err, 1, true)
    err = raises(function() return s:setopt("multicast_ttl", "x") end)
    assert.matches("number expected", err, 1, true)
    err = raises(function() return s:setopt("multicast_loop", 1) end)
    assert.matches("boolean expected", err, 1, true)
  end)

  it("raises for a unicast address given as the group", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, group in ipairs({ "127.0.0.1", "10.0.0.1" }) do
      local ok, err = pcall(s.setopt, s, "add_membership", { group, "127.0.0.1" })
      assert.is_false(ok, group .. " was accepted as a group: " .. tostring(err))
      assert.matches("not a multicast group", tostring(err), 1, true)
    end
  end)
end)

-- ---- IPv6 ----

describe("IPv6 multicast on lo", function()
  it("joins and leaves " .. GROUP6 .. " on lo; a send either arrives or fails cleanly", function()
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local lo = psock.if_nametoindex("lo")
    local r <close> = assert(psock.socket("inet6", "dgram"))
    assert.is_true(r:setopt("reuseaddr", true))
    assert.is_true(r:bind("::", 0))
    local _, port = r:getsockname()
    assert.is_true(r:setopt("add_membership", { GROUP6, "lo" }))
    local s <close> = loopback_sender("inet6")
    -- loopback here may have no IPv6 multicast route: then the send fails
    -- with an errno (ENETUNREACH) and nothing is sent at all
    local sent, msg, errno = s:sendto("hello six", GROUP6 .. "%lo", port)
    if sent then
      assert.equal(9, sent)
      r:settimeout(5)
      local data, host = r:recvfrom()
      assert.equal("hello six", data)
      assert.equal("string", type(host))
    else
      assert.equal("string", type(msg))
      assert.equal("integer", math.type(errno))
      assert.equal(psock.strerror(errno), msg)
    end
    assert.is_true(r:setopt("drop_membership", { GROUP6, "lo" }))
    -- by index as well
    assert.is_true(r:setopt("add_membership", { GROUP6, lo }))
    assert.is_true(r:setopt("drop_membership", { GROUP6, lo }))
    local ok, _, e2 = r:setopt("drop_membership", { GROUP6, lo })
    assert.is_nil(ok)
    assert.equal("integer", math.type(e2))
  end)

  it("reads back the IPv6 multicast options", function()
    local s, err = psock.socket("inet6", "dgram")
    if not s or not H.have_ipv6() then
      if s then s:close() end
      pending("::1 is not available here: " .. tostring(err))
      return
    end
    local _ <close> = s
    local lo = psock.if_nametoindex("lo")
    assert.equal(0, s:getopt("multicast_if"))
    assert.is_true(s:setopt("multicast_if", "lo"))
    assert.equal(lo, s:getopt("multicast_if"))
    assert.is_true(s:setopt("multicast_if", 0))
    assert.equal(0, s:getopt("multicast_if"))
    assert.is_true(s:setopt("multicast_if", lo))
    assert.equal(lo, s:getopt("multicast_if"))
    assert.equal(1, s:getopt("multicast_ttl"))
    assert.is_true(s:setopt("multicast_ttl", 7))
    assert.equal(7, s:getopt("multicast_ttl"))
    assert.is_true(s:getopt("multicast_loop"))
    assert.is_true(s:setopt("multicast_loop", false))
    assert.is_false(s:getopt("multicast_loop"))
    -- an IPv4 group or interface address does not fit an inet6 socket
    assert.matches("not a multicast group", raises(function()
      return s:setopt("add_membership", { GROUP, "lo" }) end), 1, true)
    assert.matches("no interface '127.0.0.1'", raises(function()
      return s:setopt("multicast_if", "127.0.0.1") end), 1, true)
    assert.matches("write-only", raises(function() return s:getopt("add_membership") end), 1, true)
  end)
end)

-- ---- TCP keepalive, ttl, bindtodevice ----

describe("keepalive, ttl and bindtodevice options", function()
  it("round trip keepidle, keepintvl and keepcnt", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, case in ipairs({ { "keepidle", 30, 7200 }, { "keepintvl", 5, 75 },
                            { "keepcnt", 3, 9 } }) do
      local name, value = case[1], case[2]
      local default = s:getopt(name)
      assert.equal("integer", math.type(default), name)
      assert.is_true(default > 0, name)
      assert.is_true(s:setopt(name, value), name)
      assert.equal(value, s:getopt(name), name)
      assert.is_true(s:setopt(name, value + 1), name)
      assert.equal(value + 1, s:getopt(name), name)
      -- zero is refused by the kernel: an error result, the value unchanged
      local ok, msg, errno = s:setopt(name, 0)
      assert.is_nil(ok, name)
      assert.equal("string", type(msg), name)
      assert.equal(psock.EINVAL, errno, name)
      assert.equal(value + 1, s:getopt(name), name)
      assert.matches("number expected", raises(function() return s:setopt(name, "x") end))
      assert.matches("integer", raises(function() return s:setopt(name, 1.5) end))
    end
    -- on a connected pair too
    local c, a = H.tcp_pair()
    local _ <close> = setmetatable({}, { __close = function() c:close(); a:close() end })
    assert.is_true(c:setopt("keepidle", 60))
    assert.equal(60, c:getopt("keepidle"))
    assert.is_true(a:setopt("keepcnt", 2))
    assert.equal(2, a:getopt("keepcnt"))
  end)

  it("round trip ttl on inet, and on inet6 (unicast hops)", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    local default = s:getopt("ttl")
    assert.equal("integer", math.type(default))
    for _, ttl in ipairs({ 1, 17, 255 }) do
      assert.is_true(s:setopt("ttl", ttl))
      assert.equal(ttl, s:getopt("ttl"))
    end
    for _, bad in ipairs({ 0, 256 }) do
      local ok, _, errno = s:setopt("ttl", bad)
      assert.is_nil(ok, "ttl " .. bad)
      assert.equal(psock.EINVAL, errno)
    end
    assert.equal(255, s:getopt("ttl"))
    assert.is_true(s:setopt("ttl", -1))   -- back to the system default
    assert.equal(default, s:getopt("ttl"))
    assert.equal(s:getopt(psock.IPPROTO_IP, psock.IP_TTL), s:getopt("ttl"))

    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s6 <close> = assert(psock.socket("inet6", "dgram"))
    assert.equal("integer", math.type(s6:getopt("ttl")))
    assert.is_true(s6:setopt("ttl", 33))
    assert.equal(33, s6:getopt("ttl"))
    assert.equal(33, s6:getopt(psock.IPPROTO_IPV6, psock.IPV6_UNICAST_HOPS))
  end)

  it("round trip bindtodevice \"lo\"", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert.equal("", s:getopt("bindtodevice"))
    local ok, msg, errno = s:setopt("bindtodevice", "lo")
    if not ok and not is_root() then
      -- without privileges the kernel may refuse; that is its error
      assert.equal(psock.EPERM, errno, msg)
      return
    end
    assert.is_true(ok, msg)
    assert.equal("lo", s:getopt("bindtodevice"))
    -- a socket bound to lo still talks over loopback
    assert.is_true(s:bind("127.0.0.1", 0))
    local host, port = s:getsockname()
    assert.equal(4, s:sendto("self", host, port))
    s:settimeout(5)
    assert.equal("self", (s:recvfrom()))
    -- "" unbinds
    assert.is_true(s:setopt("bindtodevice", ""))
    assert.equal("", s:getopt("bindtodevice"))
    local r, m2, e2 = s:setopt("bindtodevice", "nosuchif0")
    assert.is_nil(r)
    assert.equal("string", type(m2))
    assert.equal(psock.ENODEV, e2)
    assert.matches("interface name too long",
                   raises(function() return s:setopt("bindtodevice", string.rep("x", 16)) end),
                   1, true)
  end)
end)
