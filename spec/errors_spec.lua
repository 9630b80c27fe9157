-- Misuse never crashes: every module function, socket method and poller
-- method is called with a wrong value in each argument position, generated
-- from the table of signatures below, and must raise a Lua error whose
-- message names that argument.  Then the misuses DESIGN.md lists one by one:
-- sizes, flags, backlogs, timeouts, names, paths, ports, missing addresses,
-- lying lengths; each also on a closed socket.
local psock = require "psock"
local H = require "spec.support.helpers"
local P = require "spec.support.proc"

-- ---- the wrong values ----

local closed = assert(psock.socket("inet", "dgram"))
closed:close()

-- name -> value; "nil" is an explicit nil argument.
local VALUES = {
  ["nil"] = nil, one = 1, word = "x", table = {}, func = print, ["true"] = true,
  file = io.stdout, closed = closed, float = 1.5, nan = 0 / 0, negative = -1,
  huge = 2 ^ 40,
}

-- For each kind of parameter, the values that must raise there.
local BAD = {
  int = { "nil", "word", "table", "func", "true", "file", "closed", "float", "nan" },
  optint = { "word", "table", "func", "true", "file", "closed", "float", "nan" },
  optnum = { "word", "table", "func", "true", "file", "closed", "nan", "negative" },
  str = { "nil", "table", "func", "true", "file", "closed" },
  optstr = { "table", "func", "true", "file", "closed" },
  name = { "nil", "word", "table", "func", "true", "file", "closed", "float", "nan" },
  optname = { "word", "table", "func", "true", "file", "closed", "float", "nan" },
  bool = { "nil", "one", "word", "table", "func", "file", "closed" },
  port = { "nil", "table", "func", "true", "file", "closed", "float", "nan",
           "negative", "huge" },
  optport = { "table", "func", "true", "file", "closed", "float", "nan", "negative",
              "huge" },
  table = { "nil", "one", "word", "func", "true", "file", "closed" },
  opttable = { "one", "word", "func", "true", "file", "closed" },
  -- a socket, a Lua file or a descriptor number
  fd = { "nil", "word", "table", "func", "true", "float", "negative", "closed" },
  -- the same, where a closed socket is welcome (p:remove)
  rmfd = { "nil", "word", "table", "func", "true", "float", "negative" },
  -- a Lua file or a descriptor number (sendfile)
  infile = { "nil", "word", "table", "func", "true", "float", "negative", "closed" },
  -- sendmmsg's hosts: a table, or absent (then the flags take the place)
  opthosts = { "word", "func", "true", "file", "closed", "float" },
  events = { "nil", "one", "word", "table", "func", "true", "file", "closed" },
  socket = { "nil", "one", "word", "table", "func", "true", "file", "closed" },
  poller = { "nil", "one", "word", "table", "func", "true", "file", "closed" },
}

-- What the message must say for a wrong value: the argument's number, or
-- for a closed socket where a socket is welcome, that it is closed.
local function expected_message(kind, value_name, position)
  if value_name == "closed" and (kind == "fd" or kind == "socket") then
    return "attempt to use a closed socket"
  end
  return "bad argument #" .. position
end

-- ---- the objects the calls are made on ----

local objects = {}

local function open_objects()
  local udp = assert(psock.socket("inet", "dgram"))
  assert(udp:bind("127.0.0.1", 0))
  assert(udp:settimeout(0))   -- a call that should have raised never blocks
  local tcp = assert(psock.socket("inet", "stream"))
  assert(tcp:bind("127.0.0.1", 0))
  assert(tcp:listen())
  assert(tcp:settimeout(0))
  local u1, u2 = assert(psock.socketpair())
  assert(u1:settimeout(0))
  local dir = H.tmpdir()
  H.write(dir .. "/file", "contents")
  objects = {
    udp = udp, tcp = tcp, unix = u1, peer = u2, dir = dir,
    spare = assert(psock.socket("inet", "dgram")),       -- for close
    spare_poller = assert(psock.poller()),               -- for p:close
    file = assert(io.open(dir .. "/file", "r")),
    poller = assert(psock.poller()),
    port = select(2, udp:getsockname()),
  }
end

-- The spec's own objects, as a set.
local function objects_set()
  local set = {}
  for _, v in pairs(objects) do set[v] = true end
  return set
end

local function close_objects()
  for _, key in ipairs({ "udp", "tcp", "unix", "peer", "spare" }) do
    objects[key]:close()
  end
  objects.poller:close()
  objects.spare_poller:close()
  objects.file:close()
  H.rmdir(objects.dir)
  objects = {}
end

-- ---- the signatures ----
-- Each parameter is { kind, valid value } (the valid value may be a
-- function of the objects); `self` names the object methods are called on;
-- `extra` lists more wrong calls: { args (after self), expected text }.

local function port() return objects.port end

local METHODS = {
  bind = { self = "udp", { "str", "127.0.0.1" }, { "port", 0 } },
  listen = { self = "tcp", { "optint", 5 },
             extra = { { { -1 }, "backlog out of range" },
                       { { 2 ^ 31 }, "backlog out of range" } } },
  accept = { self = "tcp" },
  connect = { self = "udp", { "str", "127.0.0.1" }, { "port", port } },
  send = { self = "udp", { "str", "x" }, { "optint", 0 },
           extra = { { { "x", -1 }, "flags out of range" },
                     { { "x", 2 ^ 31 }, "flags out of range" } } },
  sendall = { self = "udp", { "str", "x" }, { "optint", 0 },
              extra = { { { "x", -1 }, "flags out of range" } } },
  recv = { self = "udp", { "optint", 16 }, { "optint", 0 },
           extra = { { { 0 }, "size must be positive" },
                     { { -1 }, "size must be positive" },
                     { { 2 ^ 40 }, "size too large" },
                     { { 1e300 }, "number has no integer representation" },
                     { { math.huge }, "number has no integer representation" },
                     { { 16, -1 }, "flags out of range" },
                     { { 16, 2 ^ 31 }, "flags out of range" } } },
  sendto = { self = "udp", { "str", "x" }, { "str", "127.0.0.1" }, { "port", port },
             { "optint", 0 },
             extra = { { { "x" }, "bad argument #3" },
                       { { "x", "127.0.0.1" }, "bad argument #4" },
                       { { "x", "127.0.0.1", 9, -1 }, "flags out of range" } } },
  recvfrom = { self = "udp", { "optint", 16 }, { "optint", 0 },
               extra = { { { 0 }, "size must be positive" },
                         { { 2 ^ 40 }, "size too large" },
                         { { 16, -1 }, "flags out of range" } } },
  shutdown = { self = "udp", { "name", "rw" },
               extra = { { { "x" }, "unknown direction 'x'" } } },
  close = { self = "spare", closed_ok = true },
  getsockname = { self = "udp" },
  getpeername = { self = "udp" },
  setopt = { self = "udp", { "str", "reuseaddr" }, { "bool", false },
             extra = { { { "no_such_option", true }, "unknown option 'no_such_option'" },
                       { { "type", 1 }, "read-only" },
                       { { "rcvbuf", "x" }, "bad argument #3" },
                       { { "rcvbuf", 2 ^ 40 }, "value out of range" },
                       { { psock.SOL_SOCKET, 1.5, 1 }, "bad argument #3" },
                       { { psock.SOL_SOCKET, psock.SO_RCVBUF, {} }, "bad argument #4" } } },
  getopt = { self = "udp", { "str", "reuseaddr" },
             extra = { { { "no_such_option" }, "unknown option 'no_such_option'" },
                       { { psock.SOL_SOCKET }, "bad argument #3" },
                       { { psock.SOL_SOCKET, psock.SO_TYPE, 0 }, "bad argument #4" },
                       { { psock.SOL_SOCKET, psock.SO_TYPE, 65537 }, "bad argument #4" } } },
  settimeout = { self = "udp", { "optnum", 0 },
                 extra = { { { -math.huge }, "non-negative" },
                           { { -0.001 }, "non-negative" } } },
  gettimeout = { self = "udp" },
  setblocking = { self = "udp", { "bool", false } },
  fileno = { self = "udp" },
  family = { self = "udp" },
  type = { self = "udp" },
  sendmsg = { self = "unix", { "str", "x" }, { "table", {} }, { "optint", 0 },
              extra = { { { "x", { "x" } }, "bad argument #3" },
                        { { "x", { 1.5 } }, "bad argument #3" },
                        { { "x", { -1 } }, "bad argument #3" },
                        { { "x", { closed } }, "attempt to use a closed socket" },
                        { { "x", {}, -1 }, "flags out of range" } } },
  recvmsg = { self = "unix", { "optint", 16 }, { "optint", 1 }, { "optint", 0 },
              extra = { { { 0 }, "size must be positive" },
                        { { 16, -1 }, "maxfds must be between 0 and 253" },
                        { { 16, 254 }, "maxfds must be between 0 and 253" },
                        { { 16, 1, -1 }, "flags out of range" } } },
  getpeercred = { self = "unix" },
  recvmmsg = { self = "udp", { "optint", 2 }, { "optint", 16 }, { "optint", 0 },
               extra = { { { 0 }, "count must be between 1 and 1024" },
                         { { 1025 }, "count must be between 1 and 1024" },
                         { { 1, 0 }, "size must be positive" },
                         { { 1024, 65536 }, "batch too large" },
                         { { 1, 16, -1 }, "flags out of range" } } },
  sendmmsg = { self = "udp", { "table", { "x" } },
               { "opthosts", function() return { "127.0.0.1" } end },
               { "table", function() return { objects.port } end },
               { "optint", 0 },
               extra = { { { { 1 } }, "bad argument #2" },
                         { { { {} } }, "bad argument #2" },
                         { { { "x" }, {}, {} }, "bad argument #3" },
                         { { { "x" }, { "127.0.0.1" }, {} }, "bad argument #4" },
                         { { { "x" }, { "127.0.0.1" }, { 70000 } }, "port out of range" },
                         { { { "x" }, { {} }, { 9 } }, "bad argument #3" },
                         { { { "x" }, -1 }, "flags out of range" } } },
  sendfile = { self = "tcp", { "infile", function() return objects.file end },
               { "optint", 0 }, { "optint", 0 },
               extra = { { { 0, -1 }, "offset must be non-negative" },
                         { { 0, 0, -1 }, "count must be non-negative" } } },
}

local FUNCTIONS = {
  socket = { { "name", "inet" }, { "name", "dgram" }, { "optint", 0 },
             extra = { { { "x", "stream" }, "unknown family 'x'" },
                       { { "inet", "x" }, "unknown socket type 'x'" },
                       { { "inet", "stream", -1 }, "protocol out of range" },
                       { { "inet", "stream", 65536 }, "protocol out of range" },
                       { { 2 ^ 40, "stream" }, "value out of range" } } },
  socketpair = { { "optname", "unix" }, { "optname", "stream" },
                 extra = { { { "x" }, "unknown family 'x'" },
                           { { "unix", "x" }, "unknown socket type 'x'" } } },
  fromfd = { { "int", 1000000 },
             extra = { { { -1 }, "not a descriptor" }, { { 2 ^ 31 }, "not a descriptor" } } },
  type = { { "any" }, extra = { { {}, "bad argument #1" } } },
  inet_pton = { { "name", "inet" }, { "str", "127.0.0.1" },
                extra = { { { "unix", "x" }, "family must be inet or inet6" } } },
  inet_ntop = { { "name", "inet" }, { "str", "\1\2\3\4" },
                extra = { { { "unix", "x" }, "family must be inet or inet6" } } },
  monotime = {},
  errname = { { "int", 111 } },
  strerror = { { "int", 111 }, extra = { { { 2 ^ 40 }, "value out of range" } } },
  gethostname = {},
  getaddrinfo = { { "optstr", "127.0.0.1" }, { "optport", 80 }, { "opttable", {} },
                  extra = { { { "127.0.0.1", 80, { family = "x" } }, "bad argument #3" },
                            { { "127.0.0.1", 80, { type = {} } }, "bad argument #3" },
                            { { "127.0.0.1", 80, { protocol = "x" } }, "bad argument #3" },
                            { { "127.0.0.1", 80, { flags = 1.5 } }, "bad argument #3" },
                            { { "127.0.0.1", 80, { flags = -1 } }, "bad argument #3" } } },
  getnameinfo = { { "str", "127.0.0.1" }, { "port", 80 },
                  { "optint", psock.NI_NUMERICHOST | psock.NI_NUMERICSERV },
                  extra = { { { "127.0.0.1", -1 }, "port out of range" },
                            { { "127.0.0.1", 65536 }, "port out of range" },
                            { { "127.0.0.1", 80, -1 }, "flags out of range" } } },
  if_nametoindex = { { "str", "lo" } },
  if_indextoname = { { "int", 1 },
                     extra = { { { 0 }, "interface index out of range" },
                               { { -1 }, "interface index out of range" } } },
  select = { { "table", {} }, { "table", {} }, { "optnum", 0 },
             extra = { { { { "x" }, {} }, "bad argument #1" },
                       { { {}, { 1.5 } }, "bad argument #2" },
                       { { { closed }, {} }, "attempt to use a closed socket" },
                       { { {}, {}, -1 }, "bad argument #3" } } },
  poller = {},
  fdopen = { { "int", 1000000 }, { "optstr", "r" },
             extra = { { { -1 }, "not a descriptor" },
                       { { 1000000, "x" }, "invalid mode" },
                       { { 1000000, "rw" }, "invalid mode" } } },
}

local POLLER_METHODS = {
  add = { self = "poller", { "fd", function() return objects.udp end }, { "events", "r" },
          extra = { { { 0, "rwx" }, "unknown events 'rwx'" } } },
  modify = { self = "poller", { "fd", function() return objects.udp end }, { "events", "rw" } },
  remove = { self = "poller", { "rmfd", function() return objects.udp end } },
  wait = { self = "poller", { "optnum", 0 }, { "optint", 1 },
           extra = { { { 0, 0 }, "max out of range" },
                     { { 0, 2 ^ 40 }, "max out of range" } } },
  close = { self = "spare_poller", closed_ok = true },
  fileno = { self = "poller" },
  backend = { self = "poller" },
}

-- ---- making the calls ----

-- A function that calls fn under `name` as a local variable (not as a
-- method, not as a tail call), so that argument errors read
-- "bad argument #N to 'name'" with N counting every argument.
local function caller(name, fn)
  local chunk = string.format(
    "local %s = ...\nreturn function(...)\n  local r = table.pack(%s(...))\n" ..
    "  return r\nend", name, name)
  return assert(load(chunk, "=" .. name))(fn)
end

local function valid_value(param)
  local v = param[2]
  if type(v) == "function" and v ~= print then return v() end
  return v
end

-- Close what a call made, unless it is one of the spec's own objects.
local function release(v, known)
  if known and known[v] then return end
  if psock.type(v) == "socket" or io.type(v) == "file" then
    v:close()
  elseif tostring(v):match("^psock%.poller%(") then
    v:close()
  end
end

local function describe_value(v)
  if psock.type(v) then return tostring(v) end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Call name(args) and check that it raised with `text` in the message.
-- Returns nil when it did, else a description of what went wrong.
local function check_raise(name, fn, args, text)
  local ok, result = pcall(caller(name, fn), table.unpack(args, 1, args.n))
  local shown = {}
  for i = 1, args.n do shown[i] = describe_value(args[i]) end
  local call = name .. "(" .. table.concat(shown, ", ") .. ")"
  if ok then
    local values = {}
    for i = 1, result.n do values[i] = describe_value(result[i]) end
    -- whatever it made must not leak
    for i = 1, result.n do release(result[i], objects_set()) end
    return call .. " did not raise; returned " .. table.concat(values, ", ")
  end
  if type(result) ~= "string" or not result:find(text, 1, true) then
    return call .. " raised " .. describe_value(result) .. ", expected '" .. text .. "'"
  end
  return nil
end

-- Every wrong call of one signature; `self` is the object its methods are
-- called on (nil for module functions).  Returns the list of problems.
local function misuse(name, fn, signature, self, self_kind)
  local problems = {}
  local function note(problem)
    if problem then problems[#problems + 1] = problem end
  end
  local first = self ~= nil and 2 or 1
  local function valid_args()
    local args = { n = first - 1 + #signature }
    if self ~= nil then args[1] = self end
    for i, param in ipairs(signature) do args[first - 1 + i] = valid_value(param) end
    return args
  end
  -- the valid call itself does not raise (nor block: non-blocking objects)
  local valid = valid_args()
  local ok, result = pcall(caller(name, fn), table.unpack(valid, 1, valid.n))
  if not ok then
    note(name .. ": the valid call raised " .. describe_value(result))
  else
    for i = 1, result.n do release(result[i], objects_set()) end
  end
  -- a wrong self
  if self ~= nil then
    for _, value_name in ipairs(BAD[self_kind]) do
      -- close takes a closed socket (checked apart)
      if not (value_name == "closed" and signature.closed_ok) then
        local args = valid_args()
        args[1] = VALUES[value_name]
        note(check_raise(name, fn, args, expected_message(self_kind, value_name, 1)))
      end
    end
  end
  -- a wrong value in each position
  for i, param in ipairs(signature) do
    local position = first - 1 + i
    for _, value_name in ipairs(BAD[param[1]] or {}) do
      local args = valid_args()
      args[position] = VALUES[value_name]
      note(check_raise(name, fn, args,
                       expected_message(param[1], value_name, position)))
    end
    -- a missing required argument, when it is the last one given
    if not param[1]:match("^opt") and param[1] ~= "any" then
      local args = valid_args()
      args.n = position - 1
      note(check_raise(name, fn, args, "bad argument #" .. position))
    end
  end
  -- the extra wrong calls
  for _, case in ipairs(signature.extra or {}) do
    local args = { n = first - 1 + #case[1] }
    if self ~= nil then args[1] = self end
    for i, v in ipairs(case[1]) do args[first - 1 + i] = v end
    note(check_raise(name, fn, args, case[2]))
  end
  return problems
end

local function assert_no_problems(problems)
  assert.equal("", table.concat(problems, "\n"))
end

local socket_methods = getmetatable(closed).__index

describe("misuse of module functions", function()
  setup(open_objects)
  teardown(close_objects)

  it("has a signature for every function psock exports", function()
    local missing = {}
    for name, v in pairs(psock) do
      if type(v) == "function" and not FUNCTIONS[name] then
        missing[#missing + 1] = name
      end
    end
    table.sort(missing)
    assert.equal("", table.concat(missing, " "))
  end)

  local names = {}
  for name in pairs(FUNCTIONS) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it("psock." .. name .. " raises on wrong arguments", function()
      assert.is_function(psock[name], "psock." .. name .. " is missing")
      assert_no_problems(misuse(name, psock[name], FUNCTIONS[name]))
    end)
  end
end)

describe("misuse of socket methods", function()
  setup(open_objects)
  teardown(close_objects)

  it("has a signature for every socket method", function()
    local missing = {}
    for name in pairs(socket_methods) do
      if not METHODS[name] then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.equal("", table.concat(missing, " "))
  end)

  local names = {}
  for name in pairs(METHODS) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it("sock:" .. name .. " raises on wrong arguments", function()
      local fn = socket_methods[name]
      assert.is_function(fn, "sock:" .. name .. " is missing")
      local signature = METHODS[name]
      local self = objects[signature.self]
      local problems = misuse(name, fn, signature, self, "socket")
      if signature.closed_ok then
        -- close is the one method a closed socket takes
        local ok, result = pcall(fn, closed)
        if not (ok and result == true) then
          problems[#problems + 1] = "close on a closed socket: " .. tostring(result)
        end
      end
      assert_no_problems(problems)
    end)

    if not METHODS[name].closed_ok then
      it("sock:" .. name .. " on a closed socket raises, whatever the arguments", function()
        local fn = socket_methods[name]
        local signature = METHODS[name]
        local problems = {}
        local args = { closed, n = 1 + #signature }
        for i, param in ipairs(signature) do args[1 + i] = valid_value(param) end
        local problem = check_raise(name, fn, args, "attempt to use a closed socket")
        if problem then problems[#problems + 1] = problem end
        for i, param in ipairs(signature) do
          for _, value_name in ipairs(BAD[param[1]]) do
            local bad = { table.unpack(args, 1, args.n) }
            bad.n = args.n
            bad[1 + i] = VALUES[value_name]
            problem = check_raise(name, fn, bad, "attempt to use a closed socket")
            if problem then problems[#problems + 1] = problem end
          end
        end
        for _, case in ipairs(signature.extra or {}) do
          local bad = { closed, table.unpack(case[1]) }
          bad.n = 1 + #case[1]
          problem = check_raise(name, fn, bad, "attempt to use a closed socket")
          if problem then problems[#problems + 1] = problem end
        end
        assert_no_problems(problems)
      end)
    end
  end
end)

describe("misuse of poller methods", function()
  setup(open_objects)
  teardown(close_objects)

  it("has a signature for every poller method", function()
    local methods = getmetatable(objects.poller).__index
    local missing = {}
    for name in pairs(methods) do
      if not POLLER_METHODS[name] then missing[#missing + 1] = name end
    end
    assert.equal("", table.concat(missing, " "))
  end)

  local names = {}
  for name in pairs(POLLER_METHODS) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it("p:" .. name .. " raises on wrong arguments", function()
      local methods = getmetatable(objects.poller).__index
      local signature = POLLER_METHODS[name]
      local problems = misuse(name, methods[name], signature, objects[signature.self],
                              "poller")
      -- an open socket is no poller either
      local problem = check_raise(name, methods[name], { objects.udp, n = 1 },
                                  "bad argument #1")
      if problem then problems[#problems + 1] = problem end
      if not signature.closed_ok then
        local p = assert(psock.poller())
        p:close()
        problem = check_raise(name, methods[name], { p, n = 1 },
                              "attempt to use a closed poller")
        if problem then problems[#problems + 1] = problem end
      end
      assert_no_problems(problems)
    end)
  end
end)

-- pcall(f) must fail with `text` in the message.
local function raises(text, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "did not raise (expected '" .. text .. "')")
  assert.is_string(err)
  assert.matches(text, err, 1, true)
end

-- Metamethods and the wait iterator can be reached from Lua too
-- (getmetatable(s).__gc, the function p:wait() returns): each checks its
-- first argument like a method does.
describe("misuse of metamethods and the wait iterator", function()
  setup(open_objects)
  teardown(close_objects)

  local function not_self(kind)
    local others = { VALUES.one, VALUES.word, VALUES.table, io.stdout, false }
    others[#others + 1] = kind == "socket" and objects.poller or objects.udp
    return others
  end

  for _, kind in ipairs({ "socket", "poller" }) do
    for _, event in ipairs({ "__gc", "__close", "__tostring" }) do
      it(kind .. " " .. event .. " raises on anything but a " .. kind, function()
        local self = kind == "socket" and objects.udp or objects.poller
        local fn = getmetatable(self)[event]
        for _, v in ipairs(not_self(kind)) do
          raises("psock." .. kind .. " expected", fn, v)
        end
        raises("psock." .. kind .. " expected", fn)
      end)
    end
  end

  it("the wait iterator raises on anything but a poller", function()
    local next_ready = objects.poller:wait(0)
    for _, v in ipairs(not_self("poller")) do
      raises("psock.poller expected", next_ready, v)
    end
  end)

  it("the wait iterator gives nothing more once its poller is closed", function()
    local p = assert(psock.poller())
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    assert(p:add(a, "r"))
    assert(b:send("x"))
    local next_ready, state = p:wait(0)
    p:close()
    assert.is_nil(next_ready(state))
  end)
end)

-- ---- the misuses DESIGN.md names ----

describe("misuse", function()
  it("of receive sizes raises", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    s:settimeout(0)
    raises("size too large", function() return s:recv(2 ^ 40) end)
    raises("size too large", function() return s:recv(math.maxinteger) end)
    raises("size must be positive", function() return s:recv(0) end)
    raises("size must be positive", function() return s:recv(-1) end)
    raises("size must be positive", function() return s:recv(math.mininteger) end)
    raises("number has no integer representation", function() return s:recv(1e300) end)
    raises("bad argument #1 to 'recvfrom'", function() return s:recvfrom(2 ^ 40) end)
    raises("bad argument #1 to 'recvfrom'", function() return s:recvfrom(0) end)
    -- a valid size still works
    local data, _, err = s:recv(1)
    assert.is_nil(data)
    assert.equal(psock.EAGAIN, err)
  end)

  it("of flags raises 'flags out of range'", function()
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    raises("flags out of range", function() return a:send("x", -1) end)
    raises("flags out of range", function() return a:send("x", 1 << 31) end)
    raises("flags out of range", function() return a:sendall("x", math.mininteger) end)
    raises("flags out of range", function() return a:recv(1, -1) end)
    raises("flags out of range", function() return a:recvfrom(1, 1 << 40) end)
    assert.equal(1, a:send("x", psock.MSG_DONTWAIT))
    assert.equal("x", b:recv(1, psock.MSG_DONTWAIT))
  end)

  it("of the backlog raises", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    assert(s:bind("127.0.0.1", 0))
    raises("backlog out of range", function() return s:listen(-1) end)
    raises("backlog out of range", function() return s:listen(1 << 40) end)
    raises("bad argument #1 to 'listen'", function() return s:listen("x") end)
    assert.is_true(s:listen(0))
  end)

  it("of timeouts raises; math.huge means blocking", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, t in ipairs({ -1, -0.5, -math.huge, 0 / 0 }) do
      raises("timeout must be a non-negative number", function() return s:settimeout(t) end)
    end
    raises("bad argument #1 to 'settimeout'", function() return s:settimeout("soon") end)
    raises("bad argument #1 to 'setblocking'", function() return s:setblocking(1) end)
    raises("bad argument #1 to 'setblocking'", function() return s:setblocking() end)
    assert.is_true(s:settimeout(0))
    assert.equal(0, s:gettimeout())
    assert.is_true(s:settimeout(math.huge))
    assert.is_nil(s:gettimeout())
    assert.is_true(s:settimeout(2.5))
    assert.equal(2.5, s:gettimeout())
    assert.is_true(s:settimeout(nil))
    assert.is_nil(s:gettimeout())
    assert.is_true(s:setblocking(false))
    assert.equal(0, s:gettimeout())
    assert.is_true(s:setblocking(true))
    assert.is_nil(s:gettimeout())
  end)

  it("of family and type names raises naming them", function()
    raises("unknown family 'x'", psock.socket, "x", "stream")
    raises("unknown family 'INET'", psock.socket, "INET", "stream")
    raises("unknown socket type 'x'", psock.socket, "inet", "x")
    raises("unknown family 'x'", psock.socketpair, "x")
    raises("unknown socket type 'datagram'", psock.socketpair, "unix", "datagram")
    raises("unknown family 'x'", psock.inet_pton, "x", "1.2.3.4")
    raises("bad argument #1", psock.socket)
    raises("bad argument #2", psock.socket, "inet")
  end)

  it("of ports in decimal strings raises out of range, never wraps", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    for _, digits in ipairs({ "65536", "99999", "4294967376", "000070000" }) do
      raises("port out of range", function() return s:bind("127.0.0.1", digits) end)
      raises("port out of range", function() return s:connect("127.0.0.1", digits) end)
      raises("port out of range", psock.getaddrinfo, "127.0.0.1", digits)
      raises("port out of range", psock.getnameinfo, "127.0.0.1", digits)
    end
    raises("empty service name", psock.getaddrinfo, "127.0.0.1", "")
    local u <close> = assert(psock.socket("inet", "dgram"))
    raises("port out of range", function() return u:sendto("x", "127.0.0.1", "70000") end)
    -- digits within range are that port, without a resolver call
    assert.is_true(s:bind("127.0.0.1", "0"))
    local _, bound = s:getsockname()
    assert.is_true(s:listen())
    local c <close> = assert(psock.socket("inet", "stream"))
    assert.is_true(c:connect("127.0.0.1", tostring(bound)))
    assert.equal(80, psock.getaddrinfo("127.0.0.1", "80")[1].port)
    assert.equal(select(2, psock.getnameinfo("127.0.0.1", 80, psock.NI_NUMERICSERV)),
                 select(2, psock.getnameinfo("127.0.0.1", "80", psock.NI_NUMERICSERV)))
  end)

  it("of strings with a zero byte inside raises, never cuts them short", function()
    local s <close> = assert(psock.socket("inet", "stream"))
    local zero = "string contains a zero byte"
    raises(zero, function() return s:bind("127.0.0.1\0evil", 0) end)
    raises(zero, function() return s:connect("127.0.0.1\0", 9) end)
    raises(zero, function() return s:bind("127.0.0.1", "http\0x") end)
    raises(zero, function() return s:setopt("reuseaddr\0x", true) end)
    raises(zero, function() return s:setopt("bindtodevice", "lo\0junk") end)
    raises(zero, psock.socket, "inet\0x", "stream")
    raises(zero, psock.socket, "inet", "stream\0")
    raises(zero, psock.inet_pton, "inet", "1.2.3.4\0zz")
    raises(zero, psock.getaddrinfo, "localhost\0x", 80)
    raises(zero, psock.getaddrinfo, "localhost", 80, { family = "inet\0x" })
    raises(zero, psock.getnameinfo, "127.0.0.1\0x", 80)
    raises(zero, psock.if_nametoindex, "lo\0x")
    local u <close> = assert(psock.socket("inet", "dgram"))
    raises(zero, function() return u:setopt("add_membership", "239.1.2.3\0") end)
    raises(zero, function() return u:setopt("multicast_if", "lo\0x") end)
    raises("interface (index, name or address) expected, got number",
           function() return u:setopt("multicast_if", 1.5) end)
  end)

  it("of an address on a socket psock has no addresses for raises", function()
    local ok, s = pcall(psock.socket, "packet", "dgram")
    if not ok or not s then
      pending("no packet socket here: " .. tostring(s))
      return
    end
    local _ <close> = s
    raises("psock has no addresses for packet sockets", function() return s:bind("x") end)
  end)

  it("of shutdown directions raises", function()
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    raises("unknown direction 'x'", function() return a:shutdown("x") end)
    raises("unknown direction 'read'", function() return a:shutdown("read") end)
    raises("bad argument #1 to 'shutdown'", function() return a:shutdown() end)
    raises("bad argument #1 to 'shutdown'", function() return a:shutdown({}) end)
    assert.is_true(a:shutdown("w"))
    assert.equal("", b:recv())
  end)

  it("of unix paths that do not fit sun_path raises, never truncates", function()
    local s <close> = assert(psock.socket("unix", "dgram"))
    local long = "/" .. string.rep("a", 107)   -- 108 bytes
    for _, call in ipairs({
      function() return s:bind(long) end,
      function() return s:connect(long) end,
      function() return s:sendto("x", long) end,
      function() return s:bind("\0" .. string.rep("a", 108)) end,
      function() return s:bind(string.rep("a", 1000)) end,
    }) do
      raises("AF_UNIX path too long", call)
    end
    raises("AF_UNIX path contains a zero byte", function() return s:bind("/tmp/a\0b") end)
    -- the longest that fit are accepted: 107 bytes (no such directory)...
    local ok, _, err = s:bind("/no-such-dir/" .. string.rep("a", 94))
    assert.is_nil(ok)
    assert.equal(psock.ENOENT, err)
    -- ...and an abstract name of 108 bytes with its leading zero
    local name = "\0" .. string.rep("p", 100) .. string.format("%07d", H.pid() % 10000000)
    assert.equal(108, #name)
    assert.is_true(s:bind(name))
    assert.equal(name, s:getsockname())
  end)

  it("of ports raises 'port out of range'", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    for _, bad in ipairs({ -1, 65536, math.maxinteger }) do
      raises("port out of range", function() return s:bind("127.0.0.1", bad) end)
      raises("port out of range", function() return s:connect("127.0.0.1", bad) end)
      raises("port out of range", function() return s:sendto("x", "127.0.0.1", bad) end)
    end
    raises("bad argument #2 to 'connect'", function() return s:connect("127.0.0.1", 1.5) end)
  end)

  it("of addresses: sendto without one raises", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    raises("bad argument #2 to 'sendto'", function() return s:sendto("x") end)
    raises("bad argument #3 to 'sendto'", function() return s:sendto("x", "127.0.0.1") end)
    raises("bad argument #2 to 'bind'", function() return s:bind("/tmp/path") end)
    raises("bad argument #1 to 'connect'", function() return s:connect() end)
    local u <close> = assert(psock.socket("unix", "dgram"))
    raises("bad argument #2 to 'sendto'", function() return u:sendto("x") end)
    raises("bad argument #2 to 'sendto'", function() return u:sendto("x", {}) end)
  end)

  it("of tables with a negative length raises, without crashing", function()
    -- each in a child process: a crash must fail this spec, not the suite
    local calls = {
      { 'psock.select(lying(-5), {}, 0)', "bad argument #1 to 'select'" },
      { 'psock.select(lying(-1), {}, 0)', "bad argument #1 to 'select'" },
      { 'psock.select({}, lying(-5), 0)', "bad argument #2 to 'select'" },
      { 'a:sendmsg("x", lying(-5))', "bad argument #2 to 'sendmsg'" },
      { 'a:sendmsg("x", lying(-1))', "bad argument #2 to 'sendmsg'" },
      { 's:sendmmsg(lying(-5))', "bad argument #1 to 'sendmmsg'" },
      { 's:sendmmsg(lying(-1))', "bad argument #1 to 'sendmmsg'" },
    }
    local problems = {}
    for _, case in ipairs(calls) do
      local out, ok, code = P.lua_run(string.format([[
        local psock = require "psock"
        local function lying(n)
          return setmetatable({}, { __len = function() return n end })
        end
        local s = assert(psock.socket("inet", "dgram"))
        assert(s:settimeout(0))
        local a, b = assert(psock.socketpair())
        assert(a:settimeout(0))
        print(pcall(function() return %s end))
        s:close() a:close() b:close()
      ]], case[1]), { merge = true })
      if not ok then
        problems[#problems + 1] = string.format("%s: the process died (status %s): %s",
                                                case[1], tostring(code), out)
      elseif not out:find("false\t[^\n]*" .. case[2]:gsub("%p", "%%%0")) then
        problems[#problems + 1] = case[1] .. ": expected a raise with \"" .. case[2] ..
                                  "\", got " .. out
      end
    end
    assert_no_problems(problems)
  end)

  it("of array elements names the argument as Lua's own messages do", function()
    -- luaL_argerror does not count self in a method call: s:m(x) calls x
    -- "#1"; an error about an element of x must say "#1" too
    local s <close> = assert(psock.socket("inet", "dgram"))
    raises("bad argument #1 to 'sendmmsg' (table expected", function() return s:sendmmsg(5) end)
    raises("bad argument #1 to 'sendmmsg'", function() return s:sendmmsg({ 1 }) end)
    local a, b = assert(psock.socketpair())
    local _ <close> = P.closing(a, b)
    raises("bad argument #2 to 'sendmsg' (table expected", function() return a:sendmsg("x", 5) end)
    raises("bad argument #2 to 'sendmsg'", function() return a:sendmsg("x", { "x" }) end)
  end)

  it("of sendmmsg without ports raises", function()
    local s <close> = assert(psock.socket("inet", "dgram"))
    assert(s:settimeout(0))
    raises("bad argument #3 to 'sendmmsg'", function()
      return s:sendmmsg({ "x" }, { "127.0.0.1" })
    end)
  end)

  it("on a closed socket raises before looking at the arguments", function()
    local s = assert(psock.socket("inet", "dgram"))
    s:close()
    for _, call in ipairs({
      function() return s:recv(2 ^ 40) end,
      function() return s:recv(0) end,
      function() return s:send("x", -1) end,
      function() return s:listen(-1) end,
      function() return s:settimeout(-1) end,
      function() return s:settimeout(0 / 0) end,
      function() return s:shutdown("x") end,
      function() return s:bind("127.0.0.1", 65536) end,
      function() return s:connect("127.0.0.1", -1) end,
      function() return s:sendto("x") end,
      function() return s:bind(string.rep("a", 200)) end,
      function() return s:setopt("no_such_option", 1) end,
      function() return s:getopt(psock.SOL_SOCKET, psock.SO_TYPE, 0) end,
    }) do
      raises("attempt to use a closed socket", call)
    end
    assert.equal("closed socket", psock.type(s))
    assert.is_true(s:close())
  end)

  it("never kills the process", function()
    -- the same misuses in a child: it must get to its last line
    local out, ok = P.lua_run([[
      local psock = require "psock"
      local s = assert(psock.socket("inet", "dgram"))
      local n = 0
      for _, f in ipairs({
        function() return s:recv(2 ^ 40) end,
        function() return s:bind("127.0.0.1", 70000) end,
        function() return s.recv(io.stdout) end,
        function() return psock.select({ io.stdout, {} }, {}) end,
        function() return s:sendmmsg({ {} }) end,
        function() return s:setopt(psock.SOL_SOCKET, psock.SO_LINGER, {}) end,
      }) do
        if not pcall(f) then n = n + 1 end
      end
      s:close()
      print("survived", n)
    ]], { merge = true })
    assert.is_true(ok, out)
    assert.equal("survived\t6\n", out)
  end)
end)
