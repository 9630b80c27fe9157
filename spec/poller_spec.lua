-- Readiness: psock.select (poll(2), any descriptor number) and the poller
-- (epoll, or poll(2) in build/poll), with sockets and integer descriptors,
-- the events Linux reports on hang-up and reset, non-blocking connect and
-- accept, and a poller driving 50 concurrent python3 clients.
-- tools/run-specs.sh runs this file twice: with build/psock.so (epoll) and
-- with build/poll/psock.so, so every case but the backend name must hold
-- for both.
local psock = require "psock"
local H = require "spec.support.helpers"

-- The backend this run loads: run-specs.sh points LUA_CPATH at build/poll
-- for the second run.
local expected_backend =
  (os.getenv("LUA_CPATH") or ""):find("build/poll/", 1, true) and "poll" or "epoll"

-- A to-be-closed value that closes every socket and poller given to it,
-- and those of any table given (read when the scope ends, so a table can
-- grow meanwhile).  Integers and nils are ignored.
local function closing(...)
  local list = table.pack(...)
  local function close(x)
    local kind = type(x)
    if kind == "table" then
      for _, y in pairs(x) do close(y) end
    elseif kind == "userdata" then
      x:close()
    end
  end
  return setmetatable({}, { __close = function()
    for i = 1, list.n do close(list[i]) end
  end })
end

local function pair()
  return assert(psock.socketpair())
end

-- Everything one p:wait(timeout, max) gives, as an array of {obj, events}.
local function collect(p, timeout, max)
  local got = {}
  for obj, events in p:wait(timeout, max) do
    got[#got + 1] = { obj, events }
    assert(#got <= 10000, "wait gave too many entries")
  end
  return got
end

-- What collect() gave, for failure messages.
local function show(got)
  local parts = {}
  for i, entry in ipairs(got) do
    parts[i] = tostring(entry[1]) .. "=" .. entry[2]
  end
  return "wait gave {" .. table.concat(parts, ", ") .. "}"
end

-- Assert that what collect() gave is obj alone, with these events when
-- they are given.
local function assert_only(got, obj, events)
  assert.equal(1, #got, show(got))
  assert.is_true(rawequal(obj, got[1][1]), show(got))
  if events then assert.equal(events, got[1][2]) end
end

-- The events reported for obj once they have settled on `want`: waits
-- again (level-triggered, so at once when ready) until obj is reported with
-- exactly `want`, for at most `limit` seconds and 1000 waits.  Returns the
-- last events seen for obj (nil if it was not reported).
local function settle(p, obj, want, limit)
  local deadline = psock.monotime() + (limit or 5)
  local last
  for _ = 1, 1000 do
    last = nil
    for o, events in p:wait(0.2) do
      if rawequal(o, obj) then last = events end
    end
    if last == want or psock.monotime() > deadline then break end
  end
  return last
end

-- The target of descriptor fd of this process ("anon_inode:[eventpoll]"),
-- or nil when it is not open.  The popen pipe may take a freed number, so
-- callers compare with the old target rather than with nil.
local function fdtarget(fd)
  local p = assert(io.popen("readlink /proc/" .. H.pid() .. "/fd/" .. fd ..
                            " 2>/dev/null"))
  local target = p:read("l")
  p:close()
  return target
end

-- A descriptor number that is not open in this process.
local function unused_fd()
  local s = assert(psock.socket("inet", "dgram"))
  local fd = s:fileno()
  s:close()
  return fd
end

local function timed(fn, ...)
  local t0 = psock.monotime()
  local a, b, c = fn(...)
  return psock.monotime() - t0, a, b, c
end

describe("psock.select", function()
  it("returns the ready readers, the very objects passed", function()
    local a, b = pair()
    local c, d = pair()
    local _ <close> = closing(a, b, c, d)
    assert(b:send("x") == 1)
    local r, w = psock.select({ c, a }, {}, 5)
    assert.equal(1, #r)
    assert.is_true(rawequal(a, r[1]))
    assert.same({}, w)
    assert(d:send("y") == 1)
    r = psock.select({ a, c }, {}, 5)
    assert.equal(2, #r)
    assert.is_true(rawequal(a, r[1]))
    assert.is_true(rawequal(c, r[2]))
  end)

  it("returns the writable writers", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local r, w = psock.select({ a }, { b }, 5)
    assert.same({}, r)
    assert.equal(1, #w)
    assert.is_true(rawequal(b, w[1]))
  end)

  it("takes integer descriptors and gives back the integers", function()
    local a, b = pair()
    local c, d = pair()
    local _ <close> = closing(a, b, c, d)
    assert(b:send("x") == 1)
    local r, w = psock.select({ c:fileno(), a:fileno() }, { d:fileno() }, 5)
    assert.same({ a:fileno() }, r)
    assert.same({ d:fileno() }, w)
    assert.equal("integer", math.type(r[1]))
  end)

  it("mixes sockets and descriptors in one call", function()
    local a, b = pair()
    local c, d = pair()
    local _ <close> = closing(a, b, c, d)
    assert(b:send("x") == 1)
    assert(d:send("x") == 1)
    local r, w = psock.select({ a, c:fileno() }, { b:fileno(), d }, 5)
    assert.equal(2, #r)
    assert.is_true(rawequal(a, r[1]))
    assert.equal(c:fileno(), r[2])
    assert.equal(2, #w)
    assert.equal(b:fileno(), w[1])
    assert.is_true(rawequal(d, w[2]))
  end)

  it("returns two empty arrays after about the timeout", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local elapsed, r, w = timed(psock.select, { a, b }, {}, 0.2)
    assert.same({}, r)
    assert.same({}, w)
    assert.is_true(elapsed >= 0.19, "returned after " .. elapsed)
    assert.is_true(elapsed < 3, "returned after " .. elapsed)
  end)

  it("waits out the timeout with two empty arrays", function()
    local elapsed, r, w = timed(psock.select, {}, {}, 0.1)
    assert.same({}, r)
    assert.same({}, w)
    assert.is_true(elapsed >= 0.09 and elapsed < 3, "returned after " .. elapsed)
  end)

  it("with a nil timeout returns once a socket is ready", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    assert(b:send("x") == 1)
    local r, w = psock.select({ a, b }, {})
    assert.equal(1, #r)
    assert.is_true(rawequal(a, r[1]))
    assert.same({}, w)
    r, w = psock.select({ a }, {}, nil)
    assert.is_true(rawequal(a, r[1]))
    assert.same({}, w)
  end)

  it("with a zero timeout reports what is ready without waiting", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    assert(b:send("x") == 1)
    local r, w = psock.select({ a, b }, { b }, 0)
    assert.equal(1, #r)
    assert.is_true(rawequal(a, r[1]))
    assert.equal(1, #w)
    assert.is_true(rawequal(b, w[1]))
  end)

  it("handles descriptor numbers above 1023", function()
    -- A child with a soft limit high enough to open that many sockets.
    local dir = H.tmpdir()
    local path = dir .. "/high.lua"
    H.write(path, [[
      local psock = require "psock"
      local keep = {}
      local function closeall()
        for _, s in ipairs(keep) do s:close() end
      end
      local low_a, low_b = assert(psock.socketpair())
      keep[1], keep[2] = low_a, low_b
      local hi_a, hi_b
      for _ = 1, 1200 do
        local a, b = psock.socketpair()
        if not a then print("socketpair: " .. b) break end
        keep[#keep + 1], keep[#keep + 2] = a, b
        if a:fileno() > 1023 then hi_a, hi_b = a, b break end
      end
      if not hi_a then closeall() return end
      print("high", hi_a:fileno() > 1023)
      assert(hi_b:send("x") == 1)
      local r, w = psock.select({ low_a, hi_a }, {}, 5)
      print("sockets", #r, r[1] == hi_a, #w)
      r = psock.select({ low_a:fileno(), hi_a:fileno() }, {}, 5)
      print("integers", #r, r[1] == hi_a:fileno())
      r, w = psock.select({}, { hi_b }, 5)
      print("writers", #r, #w, w[1] == hi_b)
      local p = psock.poller()
      p:add(low_a, "r")
      p:add(hi_a, "r")
      local n, same = 0, false
      for o, ev in p:wait(5) do
        n = n + 1
        same = o == hi_a and ev == "r"
      end
      print("poller", n, same)
      p:close()
      closeall()
    ]])
    local out, ok = H.run("ulimit -n 4096 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; " ..
                          "exec " .. H.lua .. " " .. H.shquote(path) .. " 2>&1", 60, true)
    H.rmdir(dir)
    assert.is_true(ok, out)
    assert.equal("high\ttrue\nsockets\t1\ttrue\t0\nintegers\t1\ttrue\n" ..
                 "writers\t0\t1\ttrue\npoller\t1\ttrue\n", out)
  end)

  it("takes more entries than RLIMIT_NOFILE: the same sockets in both arrays", function()
    local out, ok = H.run("ulimit -n 64 && " .. H.lua .. [[ -e '
      local psock = require "psock"
      local all, twice = {}, {}
      for i = 1, 20 do
        local a, b = assert(psock.socketpair())
        all[#all + 1], all[#all + 2] = a, b
      end
      assert(all[1]:send("x"))
      for _, s in ipairs(all) do twice[#twice + 1] = s; twice[#twice + 1] = s end
      local r, w = psock.select(twice, twice, 1)   -- 160 entries, 40 sockets
      assert(r, w)
      print(#r, #w, rawequal(r[1], all[2]) and rawequal(r[2], all[2]))
    ' 2>&1]], 20, true)
    assert.is_true(ok, out)
    assert.equal("2\t80\ttrue\n", out)
  end)

  it("raises on elements that are neither sockets nor descriptors", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    for _, bad in ipairs({ "3", {}, true, 1.5, -1, print }) do
      assert.error_matches(function() psock.select({ a, bad }, {}, 0) end,
        "bad argument #1 to 'select' (socket or descriptor expected at index 2",
        1, true)
      assert.error_matches(function() psock.select({}, { bad }, 0) end,
        "bad argument #2 to 'select' (socket or descriptor expected at index 1",
        1, true)
    end
  end)

  it("raises on arguments that are not arrays and on a bad timeout", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    assert.error_matches(function() psock.select(a, {}) end, "table expected")
    assert.error_matches(function() psock.select({}, nil) end, "table expected")
    assert.error_matches(function() psock.select({ a }, {}, -1) end,
      "timeout must be a non-negative number", 1, true)
    assert.error_matches(function() psock.select({ a }, {}, "soon") end,
      "number expected")
  end)

  it("raises on a closed socket", function()
    local a, b = pair()
    local _ <close> = closing(b)
    a:close()
    assert.error_matches(function() psock.select({ a }, {}, 1) end,
      "attempt to use a closed socket", 1, true)
    assert.error_matches(function() psock.select({ b }, { a }, 1) end,
      "attempt to use a closed socket", 1, true)
  end)

  it("returns nil, msg, EBADF for an integer that is not open", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local fd = unused_fd()
    local r, msg, err = psock.select({ a, fd }, {}, 1)
    assert.is_nil(r)
    assert.equal(psock.strerror(psock.EBADF), msg)
    assert.equal(psock.EBADF, err)
    r, msg, err = psock.select({}, { b, fd }, 1)
    assert.is_nil(r)
    assert.is_string(msg)
    assert.equal(psock.EBADF, err)
  end)
end)

describe("psock.poller", function()
  it("uses the backend this build was made with", function()
    local p <close> = assert(psock.poller())
    assert.equal(expected_backend, p:backend())
    assert.equal("psock.poller(" .. expected_backend .. ")", tostring(p))
    if expected_backend == "epoll" then
      assert.equal("integer", math.type(p:fileno()))
      assert.equal("anon_inode:[eventpoll]", fdtarget(p:fileno()))
    else
      assert.is_nil(p:fileno())
    end
  end)

  it("gives back exactly the socket that was added", function()
    local a, b = pair()
    local c, d = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b, c, d)
    assert.is_true(p:add(a, "r"))
    assert.is_true(p:add(c, "r"))
    assert(b:send("x") == 1)
    local got = collect(p, 5)
    assert_only(got, a, "r")
  end)

  it("gives back the integer when an integer was added", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert.is_true(p:add(a:fileno(), "r"))
    assert(b:send("x") == 1)
    local got = collect(p, 5)
    assert.equal(1, #got, show(got))
    assert.equal(a:fileno(), got[1][1])
    assert.equal("integer", math.type(got[1][1]))
    assert.equal("r", got[1][2])
    assert.is_true(p:modify(a:fileno(), "w"))
    assert.same({ { a:fileno(), "w" } }, collect(p, 5))
    assert.is_true(p:remove(a:fileno()))
    assert.same({}, collect(p, 0.05))
  end)

  it("is level-triggered: unread data is reported again", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert(p:add(a, "r"))
    assert(b:send("hello") == 5)
    for _ = 1, 3 do
      local got = collect(p, 5)
      assert_only(got, a, "r")
    end
    assert.equal("hello", a:recv())
    assert.same({}, collect(p, 0.05))
  end)

  it("reports w for a writable socket, rw for both", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert(p:add(a, "w"))
    local got = collect(p, 5)
    assert_only(got, a, "w")
    assert.is_true(p:modify(a, "rw"))
    assert.equal("w", collect(p, 5)[1][2])
    assert(b:send("x") == 1)
    assert.equal("rw", collect(p, 5)[1][2])
    assert.is_true(p:modify(a, "r"))
    assert.equal("r", collect(p, 5)[1][2])
  end)

  it("modifies and removes sockets", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert.is_true(p:add(a, "r"))
    assert.same({}, collect(p, 0.05))
    assert.is_true(p:modify(a, "w"))
    local got = collect(p, 5)
    assert.is_true(rawequal(a, got[1][1]))
    assert.equal("w", got[1][2])
    assert.is_true(p:remove(a))
    assert.same({}, collect(p, 0.05))
    assert.is_true(p:add(a, "w"))
    assert.equal(1, #collect(p, 5))
  end)

  it("refuses to add the same descriptor twice: EEXIST", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert.is_true(p:add(a, "r"))
    local ok, msg, err = p:add(a, "w")
    assert.is_nil(ok)
    assert.equal(psock.strerror(psock.EEXIST), msg)
    assert.equal(psock.EEXIST, err)
    ok, msg, err = p:add(a:fileno(), "r")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(psock.EEXIST, err)
  end)

  it("returns nil, msg, ENOENT to modify or remove what was not added", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert.is_true(p:add(b, "r"))
    for _, call in ipairs({
      function() return p:modify(a, "r") end,
      function() return p:modify(a:fileno(), "w") end,
      function() return p:remove(a) end,
      function() return p:remove(a:fileno()) end,
    }) do
      local ok, msg, err = call()
      assert.is_nil(ok)
      assert.equal(psock.strerror(psock.ENOENT), msg)
      assert.equal(psock.ENOENT, err)
    end
    assert.is_true(p:remove(b))
    local ok, _, err = p:remove(b)
    assert.is_nil(ok)
    assert.equal(psock.ENOENT, err)
  end)

  it("lets a socket leave when it closes; removing it then is true", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(b)
    assert.is_true(p:add(a, "r"))
    a:close()
    assert.is_true(p:remove(a))
    assert.is_true(p:remove(a))
    assert.same({}, collect(p, 0.05))
    -- The number is free again: a new socket on it can be added.
    local c, d = pair()
    local _ <close> = closing(c, d)
    assert.is_true(p:add(c, "r"))
    assert.is_true(p:add(d, "r"))
    assert(d:send("x") == 1)
    local got = collect(p, 5)
    assert_only(got, c)
  end)

  it("forgets a socket closed while registered, and takes its number again", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(b)
    local fd = a:fileno()
    assert.is_true(p:add(a, "r"))
    assert.is_true(p:add(b, "r"))
    a:close()
    -- b sees the hang-up; the closed socket is not given back.
    local got = collect(p, 5)
    assert_only(got, b)
    assert.is_true(p:remove(b))
    assert.same({}, collect(p, 0.05))
    -- A new socket on the same number can be added and is reported.
    local fresh = {}
    local _ <close> = closing(fresh)
    local c
    for _ = 1, 20 do
      fresh[#fresh + 1] = assert(psock.socket("inet", "dgram"))
      if fresh[#fresh]:fileno() == fd then c = fresh[#fresh] break end
    end
    assert.is_not_nil(c, "descriptor " .. fd .. " was not reused")
    assert(c:bind("127.0.0.1", 0))
    assert.is_true(p:add(c, "r"))
    assert(fresh[1]:sendto("x", c:getsockname()) == 1)
    got = collect(p, 5)
    assert_only(got, c, "r")
  end)

  it("does not spin on a socket closed while a duplicate keeps it open", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local copy = assert(psock.fromfd(a:fileno()))   -- as after sendmsg or fork
    local _ <close> = closing(b, copy)
    assert.is_true(p:add(a, "r"))
    a:close()                   -- without p:remove first
    assert(b:send("x") == 1)    -- the duplicate's file is readable now
    local waits, start = 0, psock.monotime()
    while psock.monotime() - start < 0.3 and waits < 1000 do
      assert.same({}, collect(p, 0.1))
      waits = waits + 1
    end
    assert.is_true(waits <= 4, waits .. " waits in 0.3 s: wait did not wait")
    assert.is_true(p:remove(a))
    assert.equal("x", copy:recv())
  end)

  it("gives a result only to the registration it was for", function()
    local a1, a2 = pair()
    local b1, b2 = pair()
    local p <close> = psock.poller()
    local fresh = {}
    local _ <close> = closing(a1, a2, b1, b2, fresh)
    assert.is_true(p:add(a1, "r"))
    assert.is_true(p:add(b1, "r"))
    assert(a2:send("x") == 1)
    assert(b2:send("y") == 1)
    local got, reused = {}, false
    for obj, events in p:wait(1) do
      got[#got + 1] = { obj, events }
      if #got == 1 then
        -- the other one leaves and closes, and its number goes to a new
        -- socket with nothing to read, added at once
        local other = rawequal(obj, a1) and b1 or a1
        local fd = other:fileno()
        assert.is_true(p:remove(other))
        other:close()
        for _ = 1, 20 do
          local c, d = pair()
          fresh[#fresh + 1], fresh[#fresh + 2] = c, d
          if c:fileno() == fd then
            assert.is_true(p:add(c, "r"))
            reused = true
            break
          end
        end
      end
    end
    assert.is_true(reused, "the number was not reused")
    assert.equal(1, #got, show(got))
  end)

  it("modifies the events but keeps the object that was added", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert.is_true(p:add(a, "r"))
    assert.is_true(p:modify(a:fileno(), "w"))
    local got = collect(p, 1)
    assert_only(got, a, "w")
  end)

  it("does not keep a poller alive: a socket holds its pollers weakly", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local p = psock.poller()
    local weak = setmetatable({ p }, { __mode = "v" })
    assert.is_true(p:add(a, "r"))
    p = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
    assert.is_true(a:close())
  end)

  it("returns nil, msg, EBADF to add an integer that is not open", function()
    local p <close> = psock.poller()
    local ok, msg, err = p:add(unused_fd(), "r")
    assert.is_nil(ok)
    assert.equal(psock.strerror(psock.EBADF), msg)
    assert.equal(psock.EBADF, err)
    assert.same({}, collect(p, 0.05))
  end)

  describe("reports hang-up and error as Linux does", function()
    it("rh when a Unix peer closes (rwh waiting for rw, wh for w)", function()
      for _, case in ipairs({ { "r", "rh" }, { "rw", "rwh" }, { "w", "wh" } }) do
        local a, b = pair()
        local p <close> = psock.poller()
        local _ <close> = closing(a, b)
        assert(p:add(a, case[1]))
        b:close()
        assert.equal(case[2], settle(p, a, case[2]))
        assert.equal("", a:recv())
      end
    end)

    it("r when a TCP peer closes, rh once this end shuts down too", function()
      local c, s = H.tcp_pair()
      local p <close> = psock.poller()
      local _ <close> = closing(c, s)
      assert(p:add(c, "r"))
      assert.same({}, collect(p, 0.05))
      s:close()
      assert.equal("r", settle(p, c, "r"))
      assert.equal("", c:recv())
      assert.equal("r", settle(p, c, "r"))
      assert(c:shutdown("w"))
      assert.equal("rh", settle(p, c, "rh"))
      assert(p:modify(c, "rw"))
      assert.equal("rwh", settle(p, c, "rwh"))
    end)

    it("reh on a TCP reset, then rh once the error is read", function()
      local c, s = H.tcp_pair()
      local p <close> = psock.poller()
      local _ <close> = closing(c, s)
      assert(p:add(c, "r"))
      assert(s:setopt("linger", 0))
      s:close()
      assert.equal("reh", settle(p, c, "reh"))
      local data, msg, err = c:recv()
      assert.is_nil(data)
      assert.equal(psock.strerror(psock.ECONNRESET), msg)
      assert.equal(psock.ECONNRESET, err)
      assert.equal("rh", settle(p, c, "rh"))
      assert.equal(0, c:getopt("error"))
    end)

    it("rweh on a TCP reset when waiting for rw", function()
      local c, s = H.tcp_pair()
      local p <close> = psock.poller()
      local _ <close> = closing(c, s)
      assert(p:add(c, "rw"))
      assert.equal("w", settle(p, c, "w"))
      assert(s:setopt("linger", 0))
      s:close()
      assert.equal("rweh", settle(p, c, "rweh"))
      assert.equal(psock.ECONNRESET, c:getopt("error"))
      assert.equal("rwh", settle(p, c, "rwh"))
    end)

    it("h for a TCP socket that was never connected", function()
      local s <close> = assert(psock.socket("inet", "stream"))
      local p <close> = psock.poller()
      assert(p:add(s, "r"))
      assert.equal("h", settle(p, s, "h"))
    end)
  end)

  it("returns no entries after about the timeout", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert(p:add(a, "r"))
    assert(p:add(b, "r"))
    local t0 = psock.monotime()
    local got = collect(p, 0.2)
    local elapsed = psock.monotime() - t0
    assert.same({}, got)
    assert.is_true(elapsed >= 0.19, "returned after " .. elapsed)
    assert.is_true(elapsed < 3, "returned after " .. elapsed)
    -- With nothing registered at all, too.
    local q <close> = psock.poller()
    t0 = psock.monotime()
    got = collect(q, 0.1)
    elapsed = psock.monotime() - t0
    assert.same({}, got)
    assert.is_true(elapsed >= 0.09 and elapsed < 3, "returned after " .. elapsed)
  end)

  it("with a nil timeout returns once a socket is ready", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert(p:add(a, "r"))
    assert(b:send("x") == 1)
    local got = collect(p)
    assert_only(got, a)
    got = collect(p, nil, 1)
    assert.is_true(rawequal(a, got[1][1]))
  end)

  it("with a zero timeout reports what is ready without waiting", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    assert(p:add(a, "r"))
    assert(b:send("x") == 1)
    local got = collect(p, 0)
    assert_only(got, a, "r")
  end)

  describe("with max", function()
    local socks, peers, p
    before_each(function()
      socks, peers = {}, {}
      p = psock.poller()
      for i = 1, 5 do
        socks[i], peers[i] = pair()
        assert(p:add(socks[i], "r"))
        assert(peers[i]:send("x") == 1)
      end
    end)
    after_each(function()
      p:close()
      for i = 1, #socks do
        socks[i]:close()
        peers[i]:close()
      end
    end)

    local function index_of(obj)
      for i = 1, #socks do
        if rawequal(socks[i], obj) then return i end
      end
      error("wait gave an object that was not added: " .. tostring(obj))
    end

    it("gives at most max per wait; the rest come on the next", function()
      local seen, count = {}, 0
      for _, want in ipairs({ 2, 2, 1, 0 }) do
        local got = collect(p, want > 0 and 5 or 0.05, 2)
        assert.equal(want, #got, show(got))
        for _, entry in ipairs(got) do
          local i = index_of(entry[1])
          assert.is_nil(seen[i], "socket " .. i .. " given twice")
          seen[i] = true
          count = count + 1
          assert.equal("r", entry[2])
          assert.equal("x", entry[1]:recv())
        end
      end
      assert.equal(5, count)
    end)

    it("does not starve the rest when the first ones stay ready", function()
      -- Nothing is read: every socket stays ready, and three waits of two
      -- must between them give all five.
      local seen, count, all = {}, 0, {}
      for _ = 1, 3 do
        local got = collect(p, 5, 2)
        all[#all + 1] = show(got)
        assert.equal(2, #got, show(got))
        for _, entry in ipairs(got) do
          local i = index_of(entry[1])
          if not seen[i] then count = count + 1 end
          seen[i] = true
        end
      end
      assert.equal(5, count, table.concat(all, "; "))
    end)
  end)

  it("does not give what was removed during the iteration", function()
    local a, a2 = pair()
    local b, b2 = pair()
    local c, c2 = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, a2, b, b2, c, c2)
    for _, s in ipairs({ a, b, c }) do assert(p:add(s, "r")) end
    assert(a2:send("x") == 1)
    assert(b2:send("x") == 1)
    local got = {}
    for obj, events in p:wait(5) do
      got[#got + 1] = { obj, events }
      -- Whichever of a and b comes first removes the other.
      if rawequal(obj, a) then assert(p:remove(b)) else assert(p:remove(a)) end
      assert(#got < 10)
    end
    assert.equal(1, #got, show(got))
    assert.is_true(rawequal(got[1][1], a) or rawequal(got[1][1], b))
    assert.equal("r", got[1][2])
  end)

  it("does not give what was added during the iteration", function()
    local a, a2 = pair()
    local b, b2 = pair()
    local c, c2 = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, a2, b, b2, c, c2)
    assert(p:add(a, "r"))
    assert(p:add(b, "r"))
    assert(a2:send("x") == 1)
    assert(b2:send("x") == 1)
    local got = {}
    for obj, events in p:wait(5) do
      got[#got + 1] = { obj, events }
      -- The first removes the other ready one, and adds an idle socket.
      if #got == 1 then
        assert(p:remove(rawequal(obj, a) and b or a))
        assert(p:add(c, "r"))
      end
      assert(#got < 10)
    end
    assert.equal(1, #got, show(got))
    assert.equal("r", got[1][2])
    assert.is_false(rawequal(got[1][1], c))
  end)

  it("accepts only r, w and rw as events", function()
    local a, b = pair()
    local p <close> = psock.poller()
    local _ <close> = closing(a, b)
    for _, ok in ipairs({ "r", "w", "rw" }) do
      assert.is_true(p:add(a, ok))
      assert.is_true(p:modify(a, ok))
      assert.is_true(p:remove(a))
    end
    for _, bad in ipairs({ "x", "wr", "", "rwe", "R", "h" }) do
      assert.error_matches(function() p:add(a, bad) end,
        "unknown events '" .. bad .. "'", 1, true)
    end
    assert.error_matches(function() p:add(a, 1) end, "string expected, got number")
    assert.error_matches(function() p:add(a) end, "string expected, got no value")
    assert.is_true(p:add(a, "r"))
    assert.error_matches(function() p:modify(a, "e") end, "unknown events 'e'", 1, true)
    assert.error_matches(function() p:modify(a, psock.SHUT_RD) end, "string expected")
  end)

  it("raises on objects that are not sockets or descriptors", function()
    local p <close> = psock.poller()
    for _, bad in ipairs({ "3", {}, true, -1, 2.5 }) do
      assert.error_matches(function() p:add(bad, "r") end,
        "socket, file or descriptor expected", 1, true)
      assert.error_matches(function() p:modify(bad, "r") end,
        "socket, file or descriptor expected", 1, true)
      assert.error_matches(function() p:remove(bad) end,
        "socket, file or descriptor expected", 1, true)
    end
    local a, b = pair()
    local _ <close> = closing(b)
    a:close()
    assert.error_matches(function() p:add(a, "r") end,
      "attempt to use a closed socket", 1, true)
  end)

  it("raises on a bad timeout or max", function()
    local p <close> = psock.poller()
    assert.error_matches(function() p:wait(-1) end,
      "timeout must be a non-negative number", 1, true)
    assert.error_matches(function() p:wait(0.01, 0) end, "max out of range")
    assert.error_matches(function() p:wait(0.01, -3) end, "max out of range")
    assert.error_matches(function() p:wait("x") end, "number expected")
  end)

  it("closes any number of times; other methods on it raise", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local p = psock.poller()
    assert(p:add(a, "r"))
    assert.is_true(p:close())
    assert.is_true(p:close())
    assert.equal("psock.poller(closed)", tostring(p))
    for name, args in pairs({
      add = { a, "r" }, modify = { a, "w" }, remove = { a }, wait = { 0 },
      fileno = {}, backend = {},
    }) do
      assert.error_matches(function() p[name](p, table.unpack(args)) end,
        "attempt to use a closed poller", 1, true)
    end
  end)

  it("is closed at the end of a <close> scope", function()
    local a, b = pair()
    local _ <close> = closing(a, b)
    local kept, fd
    do
      local p <close> = psock.poller()
      kept, fd = p, p:fileno()
      assert(p:add(a, "r"))
    end
    assert.equal("psock.poller(closed)", tostring(kept))
    assert.error_matches(function() kept:wait(0) end,
      "attempt to use a closed poller", 1, true)
    if fd then
      assert.not_equal("anon_inode:[eventpoll]", fdtarget(fd))
    end
    assert.equal(expected_backend == "epoll", fd ~= nil)
  end)

  it("is closed when garbage-collected", function()
    local weak = setmetatable({}, { __mode = "v" })
    local function make()
      local p = psock.poller()
      weak[1] = p
      return p:fileno()
    end
    local fd = make()
    for _ = 1, 4 do collectgarbage("collect") end
    assert.is_nil(weak[1])
    if fd then
      assert.not_equal("anon_inode:[eventpoll]", fdtarget(fd))
    end
    assert.equal(expected_backend == "epoll", fd ~= nil)
  end)
end)

describe("non-blocking connect and accept", function()
  it("accept returns nil, msg, EAGAIN when nobody is waiting", function()
    local l <close> = H.listener()
    assert(l:settimeout(0))
    local conn, msg, err = l:accept()
    assert.is_nil(conn)
    assert.equal(psock.strerror(psock.EAGAIN), msg)
    assert.equal(psock.EAGAIN, err)
  end)

  it("connect goes on in the background until writable, error 0", function()
    local l, port = H.listener()
    local c = assert(psock.socket("inet", "stream"))
    local p <close> = psock.poller()
    local _ <close> = closing(l, c)
    assert(l:settimeout(0))
    assert(c:settimeout(0))
    local ok, msg, err = c:connect("127.0.0.1", port)
    if not ok then
      assert.equal(psock.strerror(psock.EINPROGRESS), msg)
      assert.equal(psock.EINPROGRESS, err)
    end
    assert(p:add(c, "w"))
    assert(p:add(l, "r"))
    local events = {}
    local deadline = psock.monotime() + 10
    for _ = 1, 100 do
      for obj, ev in p:wait(1) do
        events[rawequal(obj, c) and "client" or "listener"] = ev
      end
      if events.client and events.listener or psock.monotime() > deadline then break end
    end
    assert.same({ client = "w", listener = "r" }, events)
    assert.equal(0, c:getopt("error"))
    local conn <close> = assert(l:accept())
    local host, cport = c:getsockname()
    local phost, pport = conn:getpeername()
    assert.equal(host, phost)
    assert.equal(cport, pport)
    assert(p:remove(c))
    assert(p:remove(l))
  end)

  it("connect to a closed port: after the wait, error ECONNREFUSED", function()
    local port = H.free_port()
    local c <close> = assert(psock.socket("inet", "stream"))
    local p <close> = psock.poller()
    assert(c:settimeout(0))
    local ok, msg, err = c:connect("127.0.0.1", port)
    assert.is_nil(ok)
    assert.equal(psock.strerror(psock.EINPROGRESS), msg)
    assert.equal(psock.EINPROGRESS, err)
    assert(p:add(c, "w"))
    local got = collect(p, 5)
    assert_only(got, c)
    assert.matches("w", got[1][2], 1, true)
    assert.equal(psock.ECONNREFUSED, c:getopt("error"))
    assert.equal(0, c:getopt("error"))  -- reading SO_ERROR clears it
    assert(p:remove(c))
  end)

  it("drives 50 concurrent python3 clients through an echo loop", function()
    local clients = 50
    local l, port = H.listener()
    local p = psock.poller()
    local conns = {}
    local _ <close> = closing(l, p, conns)
    assert(l:settimeout(0))
    assert(p:add(l, "r"))
    local child = H.python([[
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
for i, s in enumerate(socks):
    s.sendall(b"line %d from a python client\n" % i)
ok = 0
for i, s in enumerate(socks):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    ok += buf == b"line %d from a python client\n" % i
for s in socks:
    s.close()
print("echoed", ok)
]], port .. " " .. clients, { limit = 40 })
    local reaped = false
    local _ <close> = setmetatable({}, { __close = function()
      if not reaped then child:stop() end
    end })
    local accepted, ended, echoed = 0, 0, 0
    local deadline = psock.monotime() + 30
    for _ = 1, 100000 do
      if ended == clients or psock.monotime() > deadline then break end
      for obj, events in p:wait(0.5) do
        if rawequal(obj, l) then
          assert.equal("r", events)
          for _ = 1, clients do
            local conn, _, err = l:accept()
            if not conn then
              assert.equal(psock.EAGAIN, err)
              break
            end
            conns[#conns + 1] = conn
            accepted = accepted + 1
            assert(conn:settimeout(5))
            assert(p:add(conn, "r"))
          end
        else
          local data = obj:recv()
          if data and #data > 0 then
            assert(obj:sendall(data))
            echoed = echoed + #data
          else
            assert(p:remove(obj))
            obj:close()
            ended = ended + 1
          end
        end
      end
    end
    local out, ok = child:wait()
    reaped = true
    assert.is_true(ok, out)
    assert.equal("echoed " .. clients .. "\n", out)
    assert.equal(clients, accepted)
    assert.equal(clients, ended)
    assert.is_true(echoed >= clients * #"line 0 from a python client\n")
  end)
end)
