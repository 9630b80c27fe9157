-- Descriptor passing: one process opens a file and hands the open file to
-- another over a Unix socket (SCM_RIGHTS); the other reads it with io.
--
--   lua5.4 examples/fd_passing.lua serve PATH FILE
--   lua5.4 examples/fd_passing.lua fetch PATH
--   lua5.4 examples/fd_passing.lua [FILE]
--
-- serve opens FILE, listens on the Unix socket PATH (printing
-- "listening on PATH" first), waits up to 60 s for one connection, sends
-- it the open file with sendmsg, and removes PATH.  fetch connects to
-- PATH, receives the descriptor with recvmsg, turns it into a Lua file
-- with psock.fdopen and copies what it reads to standard output.  The
-- fetching process never opens FILE by name: it may not even be allowed
-- to, which is what descriptor passing is for.
--
-- With no role, the script shows both: it starts itself as `serve` in a
-- child process on a temporary path, fetches from it, and prints what it
-- read.  FILE defaults to this script.
local psock = require "psock"

local NAME = "fd_passing"
local USAGE = [==[
usage: lua5.4 examples/fd_passing.lua serve PATH FILE
       lua5.4 examples/fd_passing.lua fetch PATH
       lua5.4 examples/fd_passing.lua [FILE]]==]
local TIMEOUT = 60  -- seconds to wait for the other side at each step

-- Exit with a message.  os.exit(1, true) closes the Lua state first, so
-- pending <close> variables run: sockets close and the path is removed.
local function fail(...)
  io.stderr:write(NAME, ": ", ...)
  io.stderr:write("\n")
  os.exit(1, true)
end

-- A to-be-closed value that removes a Unix socket path when its scope
-- ends, however it ends.
local function removing(path)
  return setmetatable({}, { __close = function() os.remove(path) end })
end

local function shquote(text)
  return "'" .. text:gsub("'", "'\\''") .. "'"
end

-- serve PATH FILE: hand the open FILE to the first process that connects.
local function serve(path, filename)
  local file <close>, err = io.open(filename, "r")
  if not file then
    fail("cannot open ", err)
  end
  local server <close>, msg = psock.socket("unix", "stream")
  if not server then
    fail("cannot create a socket: ", msg)
  end
  local ok
  ok, msg = server:bind(path)
  if not ok then
    fail("cannot bind to ", path, ": ", msg)
  end
  local _ <close> = removing(path)  -- only once it is ours
  ok, msg = server:listen(1)
  if not ok then
    fail("cannot listen: ", msg)
  end
  io.write("listening on ", path, "\n")
  io.flush()

  server:settimeout(TIMEOUT)
  local conn <close>, why = server:accept()
  if not conn then
    fail("no connection: ", why)
  end
  conn:settimeout(TIMEOUT)
  -- The descriptor travels with the data: a stream socket needs at least
  -- one byte of it, so send the file's name, which is useful too.
  local sent
  sent, msg = conn:sendmsg(filename, { file })
  if not sent then
    fail("sendmsg failed: ", msg)
  end
  -- The message in flight holds its own reference to the open file:
  -- closing ours (at the end of this scope), or exiting, does not close
  -- the one the peer receives.
  return 0
end

-- fetch PATH: receive a descriptor and return what reading it gives.
local function fetch(path)
  local sock <close>, msg = psock.socket("unix", "stream")
  if not sock then
    fail("cannot create a socket: ", msg)
  end
  sock:settimeout(TIMEOUT)
  local ok
  ok, msg = sock:connect(path)
  if not ok then
    fail("cannot connect to ", path, ": ", msg)
  end
  local data, fds, flags = sock:recvmsg(4096, 1)
  if not data then
    fail("recvmsg failed: ", fds)
  end
  if #fds == 0 then
    fail("no descriptor arrived (got ", #data, " bytes of data)")
  end
  if flags & psock.MSG_CTRUNC ~= 0 then
    -- More descriptors than room for them: the kernel closed the rest.
    io.stderr:write(NAME, ": note: extra descriptors were dropped\n")
  end
  -- The descriptor is ours now: the Lua file owns it and closes it.
  local file <close>, err = psock.fdopen(fds[1], "r")
  if not file then
    fail("fdopen failed: ", err)
  end
  local text
  text, err = file:read("a")
  if not text then
    fail("cannot read the file: ", err)
  end
  return text
end

-- The command that starts this script again with lua5.4 (or whatever
-- interpreter runs it): the lowest entry of `arg` is the interpreter.
local function self_command(...)
  local i = 0
  while arg[i - 1] do
    i = i - 1
  end
  local words = { shquote(arg[i]), shquote(arg[0]) }
  for _, word in ipairs({ ... }) do
    words[#words + 1] = shquote(word)
  end
  return table.concat(words, " ")
end

-- No role: serve FILE from a child process and fetch it here.
local function demo(filename)
  -- A fresh name in the temporary directory: os.tmpname creates a file
  -- there, which is removed so that the child can bind the name.
  local path = os.tmpname()
  os.remove(path)
  local _ <close> = removing(path)
  local child = io.popen(self_command("serve", path, filename), "r")
  if not child then
    fail("cannot start the serving process")
  end
  local first = child:read("l")
  if first ~= "listening on " .. path then
    child:close()
    fail("the serving process did not start")
  end
  local text = fetch(path)
  local ok, how, code = child:close()
  if not ok then
    fail("the serving process failed (", how, " ", code, ")")
  end
  io.write(text)
  return 0
end

local function main()
  local role = arg[1]
  if role == "-h" or role == "--help" then
    print(USAGE)
    return 0
  elseif role == "serve" then
    if #arg ~= 3 then
      fail("serve takes PATH and FILE\n", USAGE)
    end
    return serve(arg[2], arg[3])
  elseif role == "fetch" then
    if #arg ~= 2 then
      fail("fetch takes PATH\n", USAGE)
    end
    io.write(fetch(arg[2]))
    return 0
  elseif #arg > 1 then
    fail("too many arguments\n", USAGE)
  end
  return demo(arg[1] or arg[0])
end

os.exit(main(), true)
