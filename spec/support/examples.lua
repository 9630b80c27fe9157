-- Running the example scripts from the specs: the command line for one,
-- and children that are stopped when the test that started them ends
-- (busted keeps only one `finally` per test, so they are listed here).
local H = require "spec.support.helpers"

local E = {}

-- The checkout's examples/ directory, from where this file lives.
local ROOT = debug.getinfo(1, "S").source:match("^@(.-)spec/support/[^/]*$") or ""
E.dir = ROOT .. "examples/"

-- The shell command that runs examples/NAME.lua with args (a string).
-- `exec` makes the script the direct child of timeout(1), which reaps it.
function E.command(name, args)
  return "exec " .. H.lua .. " " .. H.shquote(E.dir .. name .. ".lua") ..
    (args and " " .. args or "")
end

local running = {}

-- Make child:stop() and child:wait() safe to call more than once (the
-- first answer is kept), and list the child for E.stop_all().
function E.guard(child)
  local stop, wait = child.stop, child.wait
  local result
  function child:stop()
    result = result or table.pack(stop(self))
    return table.unpack(result, 1, result.n)
  end
  function child:wait()
    result = result or table.pack(wait(self))
    return table.unpack(result, 1, result.n)
  end
  running[#running + 1] = child
  return child
end

-- Stop and reap every guarded child still running (for after_each).
function E.stop_all()
  for i = #running, 1, -1 do
    running[i]:stop()
    running[i] = nil
  end
end

return E
