-- bench/clients/common.lua: what the Lua clients share: the sizes, the
-- command line, the check of a result, and the result line.  A client
-- finds it beside itself:
--
--   package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
--   local common = require "common"
--
-- The workload loops stay in each client, written out with that library's
-- own calls: a loop shared through function values would add a call per
-- operation to what is measured, and the floor and psock clients must run
-- the same loop to be compared.
local M = {
  MSG_SIZE = 64,    -- ping-pong messages and blast datagrams
  DGRAM_BUF = 2048, -- receive buffer for one datagram
  BATCH = 64,       -- datagrams per recvmmsg / sendmmsg
  BURST = 128,      -- blast: datagrams queued before each drain
  CHECK = 16,       -- look at the clock every CHECK operations
}

-- WORKLOAD SECONDS MAXOPS from the command line, and the bulk write size
-- (tcp_bulk_8k: 8 KiB, otherwise 64 KiB); exits with a usage line.
function M.args(name)
  local workload, seconds = arg[1], tonumber(arg[2])
  local maxops = math.tointeger(tonumber(arg[3]))
  if not (workload and seconds and maxops) then
    io.stderr:write("usage: ", name, " WORKLOAD SECONDS MAXOPS ARGS...\n")
    os.exit(2)
  end
  return workload, seconds, maxops, workload == "tcp_bulk_8k" and 8192 or 65536
end

-- v, or an error with msg where v is nil or false.
function M.check(v, msg, ...)
  if not v then error(tostring(msg), 2) end
  return v, msg, ...
end

-- The result line: report(ops, secs [, bulk]); bulk adds MiB/s of chunk-byte writes.
function M.reporter(chunk)
  return function(ops, secs, bulk)
    local line = string.format("ops=%d seconds=%.6f ops_per_sec=%.1f", ops, secs, ops / secs)
    if bulk then
      line = line .. string.format(" mib_per_sec=%.2f", ops * chunk / 1048576 / secs)
    end
    print(line)
  end
end

return M
