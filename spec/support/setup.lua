-- Loaded by busted before the specs (see .busted).
-- Under `make valgrind`, PSOCK_GC_STRESS makes the collector run all the
-- time, so that a socket freed too early or used after collection shows up
-- at once instead of by chance.
if os.getenv("PSOCK_GC_STRESS") then
  collectgarbage("incremental", 1, 100, 1)
end
