-- Name resolution: getaddrinfo with its hints, getnameinfo, interface names
-- and indexes, IPv6 scopes.  Only numeric addresses, /etc/hosts names and
-- .invalid names (which must fail) are looked up: nothing here depends on
-- a working DNS, and nothing is sent beyond ::1.
local psock = require "psock"
local H = require "spec.support.helpers"

-- ---- local helpers ----

-- The error raised by fn(...), asserting that it raised one.
local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

-- Every EAI_* code psock exports, as a set.
local function eai_codes()
  local codes = {}
  for name, value in pairs(psock) do
    if type(name) == "string" and name:match("^EAI_") then codes[value] = name end
  end
  return codes
end

-- Assert the resolver-failure shape: nil, message, an EAI_* code.
local function assert_gai_failure(what, res, msg, code)
  assert.is_nil(res, what .. " should fail")
  assert.equal("string", type(msg), what)
  assert.is_true(#msg > 0, what)
  assert.equal("integer", math.type(code), what)
  assert.is_truthy(eai_codes()[code], what .. ": " .. tostring(code) .. " is not an EAI_* code")
end

-- The names /etc/hosts gives an address: the first line that has it, as
-- {canonical, aliases...}; nil when the file does not list it.
local function hosts_names(address)
  local text = H.read("/etc/hosts")
  if not text then return nil end
  for line in text:gmatch("[^\n]+") do
    line = line:gsub("#.*", "")
    local fields = {}
    for field in line:gmatch("%S+") do fields[#fields + 1] = field end
    if fields[1] == address and fields[2] then
      return { table.unpack(fields, 2) }
    end
  end
  return nil
end

-- The port /etc/services gives a service name for tcp, or nil.
local function services_port(name)
  local text = H.read("/etc/services")
  if not text then return nil end
  for line in text:gmatch("[^\n]+") do
    local service, port = line:match("^(%S+)%s+(%d+)/tcp")
    if service == name then return tonumber(port) end
  end
  return nil
end

local function by_type(results)
  local t = {}
  for _, e in ipairs(results) do
    t[e.type] = t[e.type] or {}
    table.insert(t[e.type], e)
  end
  return t
end

-- ---- getaddrinfo ----

describe("getaddrinfo", function()
  it("returns entries with family, type, protocol, host and port", function()
    local res = assert(psock.getaddrinfo("127.0.0.1", 80))
    assert.equal("table", type(res))
    assert.is_true(#res >= 2)
    for i, e in ipairs(res) do
      assert.equal("inet", e.family, "entry " .. i)
      assert.equal("string", type(e.type), "entry " .. i)
      assert.equal("integer", math.type(e.protocol), "entry " .. i)
      assert.equal("127.0.0.1", e.host, "entry " .. i)
      assert.equal(80, e.port, "entry " .. i)
      assert.equal("integer", math.type(e.port), "entry " .. i)
      assert.is_nil(e.canonname, "no canonname unless asked for")
    end
    local types = by_type(res)
    assert.is_truthy(types.stream)
    assert.is_truthy(types.dgram)
    assert.equal(psock.IPPROTO_TCP, types.stream[1].protocol)
    assert.equal(psock.IPPROTO_UDP, types.dgram[1].protocol)
    -- an entry feeds straight into a socket
    local e = types.stream[1]
    local s <close> = assert(psock.socket(e.family, e.type, e.protocol))
    assert.equal("inet", s:family())
    assert.equal("stream", s:type())
  end)

  it("filters by hints family, type and protocol, as names or integers", function()
    local res = assert(psock.getaddrinfo("127.0.0.1", 80, { type = "stream" }))
    assert.equal(1, #res)
    assert.equal("stream", res[1].type)
    assert.equal(psock.IPPROTO_TCP, res[1].protocol)

    res = assert(psock.getaddrinfo("127.0.0.1", 53, { type = psock.SOCK_DGRAM }))
    assert.equal(1, #res)
    assert.equal("dgram", res[1].type)
    assert.equal(psock.IPPROTO_UDP, res[1].protocol)
    assert.equal(53, res[1].port)

    res = assert(psock.getaddrinfo("127.0.0.1", 53, { protocol = psock.IPPROTO_UDP }))
    assert.is_true(#res >= 1)
    for _, e in ipairs(res) do
      assert.equal("dgram", e.type)
      assert.equal(psock.IPPROTO_UDP, e.protocol)
    end

    for _, family in ipairs({ "inet", psock.AF_INET }) do
      res = assert(psock.getaddrinfo("localhost", 80, { family = family, type = "stream" }))
      assert.is_true(#res >= 1)
      for _, e in ipairs(res) do
        assert.equal("inet", e.family)
        assert.equal("127.0.0.1", e.host)
      end
    end

    res = assert(psock.getaddrinfo("::1", 80, { family = psock.AF_INET6, type = "stream" }))
    assert.equal(1, #res)
    assert.equal("inet6", res[1].family)
    assert.equal("::1", res[1].host)

    -- an IPv4 literal asked for as inet6 is not found
    assert_gai_failure("127.0.0.1 as inet6",
                       psock.getaddrinfo("127.0.0.1", 80, { family = "inet6" }))
  end)

  it("fails with EAI_NONAME for a name under AI_NUMERICHOST", function()
    local res, msg, code = psock.getaddrinfo("localhost", 80, { flags = psock.AI_NUMERICHOST })
    assert_gai_failure("localhost with AI_NUMERICHOST", res, msg, code)
    assert.equal(psock.EAI_NONAME, code)
    -- a numeric host is still fine
    res = assert(psock.getaddrinfo("127.0.0.1", 80,
                                   { flags = psock.AI_NUMERICHOST, type = "stream" }))
    assert.equal("127.0.0.1", res[1].host)
  end)

  it("gives the any address for a nil host under AI_PASSIVE, and for \"*\" and \"\"", function()
    local res = assert(psock.getaddrinfo(nil, 8080,
                                         { flags = psock.AI_PASSIVE, family = "inet" }))
    assert.equal("0.0.0.0", res[1].host)
    assert.equal(8080, res[1].port)
    res = assert(psock.getaddrinfo(nil, 8080, { flags = psock.AI_PASSIVE, family = "inet6" }))
    assert.equal("::", res[1].host)
    for _, any in ipairs({ "*", "" }) do
      res = assert(psock.getaddrinfo(any, 8080, { family = "inet" }))
      assert.equal("0.0.0.0", res[1].host, "host " .. string.format("%q", any))
    end
    -- without AI_PASSIVE a nil host is the loopback address
    res = assert(psock.getaddrinfo(nil, 8080, { family = "inet" }))
    assert.equal("127.0.0.1", res[1].host)
  end)

  it("gives canonname on the first entry under AI_CANONNAME", function()
    local res = assert(psock.getaddrinfo("localhost", 80,
                                         { flags = psock.AI_CANONNAME, family = "inet" }))
    assert.equal("string", type(res[1].canonname))
    local names = hosts_names("127.0.0.1")
    if names and names[1] == "localhost" then
      assert.equal("localhost", res[1].canonname)
    end
    for i = 2, #res do assert.is_nil(res[i].canonname, "entry " .. i) end
    res = assert(psock.getaddrinfo("127.0.0.1", 80, { flags = psock.AI_CANONNAME }))
    assert.equal("127.0.0.1", res[1].canonname)
  end)

  it("takes service names and numeric strings", function()
    local res = assert(psock.getaddrinfo("127.0.0.1", "8080", { type = "stream" }))
    assert.equal(8080, res[1].port)
    res = assert(psock.getaddrinfo("127.0.0.1", "0", { type = "stream" }))
    assert.equal(0, res[1].port)
    res = assert(psock.getaddrinfo("127.0.0.1", 65535, { type = "stream" }))
    assert.equal(65535, res[1].port)
    local http = services_port("http")
    if http then
      assert.equal(80, http)
      res = assert(psock.getaddrinfo("127.0.0.1", "http", { type = "stream" }))
      assert.equal(80, res[1].port)
      -- AI_NUMERICSERV refuses a name
      local r2, msg, code = psock.getaddrinfo("127.0.0.1", "http",
                                              { flags = psock.AI_NUMERICSERV })
      assert_gai_failure("http with AI_NUMERICSERV", r2, msg, code)
    else
      res = assert(psock.getaddrinfo("127.0.0.1", "80", { type = "stream" }))
      assert.equal(80, res[1].port)
    end
    -- a host with no service, and a service with no host
    res = assert(psock.getaddrinfo("127.0.0.1", nil, { type = "stream" }))
    assert.equal(0, res[1].port)
    res = assert(psock.getaddrinfo(nil, "8081", { family = "inet", type = "stream" }))
    assert.equal(8081, res[1].port)
    -- an unknown service name fails, not raises
    assert_gai_failure("unknown service",
                       psock.getaddrinfo("127.0.0.1", "no-such-service-psock", { type = "stream" }))
  end)

  it("resolves localhost from /etc/hosts", function()
    local res = assert(psock.getaddrinfo("localhost", 80, { type = "stream" }))
    assert.is_true(#res >= 1)
    local seen = {}
    for _, e in ipairs(res) do
      assert.is_truthy(e.host == "127.0.0.1" or e.host == "::1", e.host)
      assert.equal(e.host == "::1" and "inet6" or "inet", e.family)
      seen[e.host] = true
    end
    assert.is_true(seen["127.0.0.1"])
  end)

  it("parses ::1 and, where ::1 is up, its entry reaches a socket bound there", function()
    local res = assert(psock.getaddrinfo("::1", 443, { type = "dgram" }))
    assert.equal(1, #res)
    assert.same({ family = "inet6", type = "dgram", protocol = psock.IPPROTO_UDP,
                  host = "::1", port = 443 }, res[1])
    if not H.have_ipv6() then
      pending("::1 is not available here")
      return
    end
    local s <close> = assert(psock.socket("inet6", "dgram"))
    assert.is_true(s:bind("::1", 0))
    local _, port = s:getsockname()
    local e = assert(psock.getaddrinfo("::1", port, { type = "dgram" }))[1]
    assert.equal(6, s:sendto("to ::1", e.host, e.port))
    s:settimeout(5)
    local data, host, from = s:recvfrom()
    assert.equal("to ::1", data)
    assert.equal("::1", host)
    assert.equal(port, from)
  end)

  it("keeps an IPv6 scope in host: \"fe80::1%lo\"", function()
    local res = assert(psock.getaddrinfo("fe80::1%lo", 5353, { type = "dgram" }))
    assert.equal(1, #res)
    assert.equal("inet6", res[1].family)
    assert.equal("fe80::1%lo", res[1].host)
    assert.equal(5353, res[1].port)
    -- a numeric scope comes back as the interface's name
    local index = assert(psock.if_nametoindex("lo"))
    res = assert(psock.getaddrinfo("fe80::1%" .. index, 5353, { type = "dgram" }))
    assert.equal("fe80::1%lo", res[1].host)
    -- and without a scope there is none
    res = assert(psock.getaddrinfo("fe80::1", 5353, { type = "dgram" }))
    assert.equal("fe80::1", res[1].host)
    -- an unknown interface does not parse
    assert_gai_failure("fe80::1%nosuchif0",
                       psock.getaddrinfo("fe80::1%nosuchif0", 80, { type = "dgram" }))
  end)

  it("returns nil, message, EAI_* code for a name that does not exist", function()
    local res, msg, code = psock.getaddrinfo("no-such-host.invalid", 80)
    assert_gai_failure("no-such-host.invalid", res, msg, code)
    assert_gai_failure("nil host and service", psock.getaddrinfo(nil, nil))
    res, msg, code = psock.getaddrinfo("not an address", 80, { flags = psock.AI_NUMERICHOST })
    assert_gai_failure("numeric", res, msg, code)
    assert.equal(psock.EAI_NONAME, code)
  end)

  it("raises for bad hints and arguments", function()
    local err = raises(psock.getaddrinfo, "127.0.0.1", 80, { family = "bogus" })
    assert.matches("unknown family 'bogus'", err, 1, true)
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { type = "bogus" })
    assert.matches("bogus", err, 1, true)
    for _, bad in ipairs({ 1.5, "x", {}, true }) do
      err = raises(psock.getaddrinfo, "127.0.0.1", 80, { flags = bad })
      assert.matches("hints.flags", err, 1, true)
    end
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { protocol = 2.5 })
    assert.matches("hints.protocol", err, 1, true)
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { flags = -1 })
    assert.matches("hints.flags", err, 1, true)
    assert.matches("table expected", raises(psock.getaddrinfo, "127.0.0.1", 80, "stream"))
    -- a misspelt hint is not ignored
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { type = "dgram", famly = "inet6" })
    assert.matches("unknown hint 'famly'", err, 1, true)
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { "inet" })
    assert.matches("unknown hint '1'", err, 1, true)
    assert.equal(1, #psock.getaddrinfo("127.0.0.1", 80, { family = "inet", type = "dgram",
                                                          protocol = 0, flags = 0 }))
    for _, port in ipairs({ 65536, -1, 1e6 }) do
      assert.matches("port out of range", raises(psock.getaddrinfo, "127.0.0.1", port))
    end
    assert.matches("integer", raises(psock.getaddrinfo, "127.0.0.1", 80.5))
    assert.matches("port", raises(psock.getaddrinfo, "127.0.0.1", {}))
    assert.matches("string expected", raises(psock.getaddrinfo, {}, 80))
  end)

  it("names the hints argument (#3) and the bad value's type in hint errors", function()
    local err = raises(psock.getaddrinfo, "127.0.0.1", 80, { family = "bogus" })
    assert.matches("bad argument #3 to 'psock.getaddrinfo'", err, 1, true)
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { type = "bogus" })
    assert.matches("bad argument #3 to 'psock.getaddrinfo'", err, 1, true)
    err = raises(psock.getaddrinfo, "127.0.0.1", 80, { flags = "x" })
    assert.matches("got string", err, 1, true)
  end)
end)

-- ---- getnameinfo ----

describe("getnameinfo", function()
  it("gives numeric host and service with NI_NUMERICHOST | NI_NUMERICSERV", function()
    local host, serv = psock.getnameinfo("127.0.0.1", 80,
                                         psock.NI_NUMERICHOST | psock.NI_NUMERICSERV)
    assert.equal("127.0.0.1", host)
    assert.equal("80", serv)
    host, serv = psock.getnameinfo("::1", 443, psock.NI_NUMERICHOST | psock.NI_NUMERICSERV)
    assert.equal("::1", host)
    assert.equal("443", serv)
    host = psock.getnameinfo("fe80::1%lo", 80, psock.NI_NUMERICHOST | psock.NI_NUMERICSERV)
    assert.equal("fe80::1%lo", host)
    -- a name is resolved first
    host, serv = psock.getnameinfo("localhost", 8080,
                                   psock.NI_NUMERICHOST | psock.NI_NUMERICSERV)
    assert.equal("127.0.0.1", host)
    assert.equal("8080", serv)
  end)

  it("gives the name /etc/hosts has for 127.0.0.1, and the service name", function()
    local host, serv = psock.getnameinfo("127.0.0.1", 80)
    assert.equal("string", type(host))
    assert.equal("string", type(serv))
    local names = hosts_names("127.0.0.1")
    if names then
      assert.equal(names[1], host)
    else
      assert.is_true(#host > 0)
    end
    assert.equal(services_port("http") == 80 and "http" or "80", serv)
    host, serv = psock.getnameinfo("127.0.0.1", 80, psock.NI_NUMERICHOST)
    assert.equal("127.0.0.1", host)
    assert.equal(services_port("http") == 80 and "http" or "80", serv)
  end)

  it("takes a service name for the port, as everywhere in psock", function()
    if services_port("http") == 80 then
      local _, serv = psock.getnameinfo("127.0.0.1", "http", psock.NI_NUMERICSERV)
      assert.equal("80", serv)
    end
    assert_gai_failure("no-such-service", psock.getnameinfo("127.0.0.1", "no-such-service"))
  end)

  it("fails with an EAI_* code for a name that does not resolve", function()
    assert_gai_failure("no-such-host.invalid", psock.getnameinfo("no-such-host.invalid", 80))
  end)

  it("raises for a port out of range and bad arguments", function()
    for _, port in ipairs({ 65536, -1, 100000 }) do
      assert.matches("port out of range", raises(psock.getnameinfo, "127.0.0.1", port))
    end
    assert.matches("port out of range", raises(psock.getnameinfo, "127.0.0.1", "65536"))
    assert.matches("port %(integer or service name%) expected",
                   raises(psock.getnameinfo, "127.0.0.1"))
    assert.matches("port %(integer or service name%) expected",
                   raises(psock.getnameinfo, "127.0.0.1", {}))
    assert.matches("string expected", raises(psock.getnameinfo, nil, 80))
    assert.matches("flags", raises(psock.getnameinfo, "127.0.0.1", 80, -1))
    assert.matches("integer", raises(psock.getnameinfo, "127.0.0.1", 80, 1.5))
  end)
end)

-- ---- interfaces ----

describe("if_nametoindex / if_indextoname", function()
  it("round trip lo", function()
    local index = psock.if_nametoindex("lo")
    assert.equal("integer", math.type(index))
    assert.is_true(index > 0)
    assert.equal("lo", psock.if_indextoname(index))
    local sys = H.read("/sys/class/net/lo/ifindex")
    if sys then assert.equal(tonumber(sys), index) end
  end)

  it("round trip every interface /sys/class/net lists", function()
    local out, ok = H.run("ls /sys/class/net")
    assert.is_true(ok)
    local n = 0
    for name in out:gmatch("%S+") do
      local sys = tonumber(H.read("/sys/class/net/" .. name .. "/ifindex") or "")
      if sys then
        n = n + 1
        assert.equal(sys, psock.if_nametoindex(name), name)
        assert.equal(name, psock.if_indextoname(sys))
      end
    end
    assert.is_true(n >= 1)
  end)

  it("returns nil, message, errno for unknown names and indexes", function()
    for _, name in ipairs({ "nosuchif0", "", string.rep("x", 100) }) do
      local r, msg, errno = psock.if_nametoindex(name)
      assert.is_nil(r, name)
      assert.equal(psock.ENODEV, errno, name)
      assert.equal(psock.strerror(psock.ENODEV), msg)
    end
    local r, msg, errno = psock.if_indextoname(0x7ffffff0)
    assert.is_nil(r)
    assert.equal("string", type(msg))
    assert.equal(psock.ENXIO, errno)
  end)

  it("raises for index 0, negative or non-integer indexes and bad names", function()
    for _, bad in ipairs({ 0, -1, -100 }) do
      assert.matches("interface index out of range", raises(psock.if_indextoname, bad))
    end
    assert.matches("number", raises(psock.if_indextoname, "lo"))
    assert.matches("integer", raises(psock.if_indextoname, 1.5))
    assert.matches("string expected", raises(psock.if_nametoindex, nil))
    assert.matches("string expected", raises(psock.if_nametoindex, {}))
  end)
end)
