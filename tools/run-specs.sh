#!/bin/sh
# run-specs.sh [busted args]: the spec suite, then the poller and select
# specs again against the poll(2) backend of the poller (build/poll), so
# that the fallback is tested on Linux too.  Ends with one line summing
# both runs: "N passed, N failed".
# Run from the repository root after `make` (make test does both).
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
LUA_CPATH="build/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;" \
  lua5.4 /usr/bin/busted -o spec/support/summary.lua "$@" | tee "$out" || status=1
if [ $# -eq 0 ] && [ -f spec/poller_spec.lua ]; then
  echo "--- the poller again, with its poll(2) backend"
  LUA_CPATH="build/poll/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;" \
    lua5.4 /usr/bin/busted -o spec/support/summary.lua spec/poller_spec.lua \
    | tee -a "$out" || status=1
fi
passed=0
failed=0
for line in $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | sed 's/ passed, /:/; s/ failed.*//'); do
  passed=$((passed + ${line%%:*}))
  failed=$((failed + ${line#*:}))
done
echo
echo "$passed passed, $failed failed"
exit $status
