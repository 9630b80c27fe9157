#!/bin/sh
# run-specs.sh [busted args]: the spec suite, then the poller and select
# specs again against the poll(2) backend of the poller (build/poll), so
# that the fallback is tested on Linux too.  Ends with one line summing
# both runs: "N passed, N failed".
# Run from the repository root after `make` (make test does both).  The
# poll build's directory must contain "build/poll/": the poller spec tells
# the backend it expects by that.
set -u
out=$(mktemp)
status=0
rc=$(mktemp)
trap 'rm -f "$out" "$rc"' EXIT
# busted's exit status, not tee's: sh has no pipefail
run() {
  { LUA_PATH="lua/?.lua;lua/?/init.lua;;" lua5.4 /usr/bin/busted \
      -o spec/support/summary.lua "$@"; echo $? > "$rc"; } | tee -a "$out"
  [ "$(cat "$rc")" = 0 ] || status=1
}
# SPEC_BUILD and SPEC_POLL_BUILD name other builds (make asan's)
LUA_CPATH="${SPEC_BUILD:-build}/?.so;;" run "$@"
if [ $# -eq 0 ] && [ -f spec/poller_spec.lua ]; then
  echo "--- the poller again, with its poll(2) backend"
  LUA_CPATH="${SPEC_POLL_BUILD:-build/poll}/?.so;;" run spec/poller_spec.lua
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
