#!/bin/sh
# bench/run.sh: build and run psock's benchmarks (what `make bench` runs).
#
#   sh bench/run.sh            from the repository root, after `make`
#
# Builds bench/peer.c, bench/client.c and bench/floor.c (and bench/lua.c
# for the callgrind pass) into a temporary directory, starts
# the peer pinned to CPU 0 (listening on 127.0.0.1 and on Unix paths in that
# directory), runs bench/run.lua (every workload, every implementation,
# alternating round by round, client on CPU 0 and then on CPU 1), and on
# exit, however it comes, stops the peer and removes the directory.
# bench/run.lua writes bench/results.csv, the results section of
# bench/README.md, and prints the tables.
#
# Environment: BENCH_ROUNDS (5), BENCH_SECONDS (0.3 per client run),
# BENCH_STRACE=0 / BENCH_CALLGRIND=0 to skip those passes, CC (cc).
set -eu

cd "$(dirname "$0")/.."
root=$(pwd)
if [ ! -f build/psock.so ]; then
  make
fi
for tool in lua5.4 taskset timeout; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool is needed" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/psock-bench.XXXXXX")
peer_pid=
cleanup() {
  status=$?
  trap - EXIT INT TERM HUP
  exec 3>&-
  # the client run in progress, if any: timeout(1) leads a process group
  if [ -s "$tmp/client.pid" ]; then
    kill -TERM -- "-$(cat "$tmp/client.pid")" 2>/dev/null || true
  fi
  if [ -n "$peer_pid" ]; then
    kill "$peer_pid" 2>/dev/null || true
    wait "$peer_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

CC=${CC:-cc}
LUA_INC=$(pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
$CC -O2 -Wall -Wextra -Werror -o "$tmp/client" bench/client.c
$CC -O2 -Wall -Wextra -Werror -pthread -o "$tmp/peer" bench/peer.c
# the Lua floor (bench/floor.c), a module like any other: no liblua
# shellcheck disable=SC2086
$CC -O2 -Wall -Wextra -Werror -shared -fPIC $LUA_INC -o "$tmp/floor.so" bench/floor.c
# For callgrind only: a lua with the interpreter's symbols (bench/lua.c),
# from Debian's static liblua5.4.a when it is there.
lua_a=$(find /usr/lib -name liblua5.4.a 2>/dev/null | head -n 1)
if [ -n "$lua_a" ]; then
  # shellcheck disable=SC2086
  $CC -O2 -Wall -Wextra -Werror $LUA_INC -o "$tmp/lua" bench/lua.c "$lua_a" \
    -Wl,-E -lm -ldl
fi

# The peer serves until its standard input (this fifo) closes, so it also
# ends if this script is killed without running the trap.
mkfifo "$tmp/hold"
taskset -c 0 "$tmp/peer" "$tmp" < "$tmp/hold" > "$tmp/ports" &
peer_pid=$!
exec 3> "$tmp/hold"
tries=0
while [ ! -s "$tmp/ports" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ] || ! kill -0 "$peer_pid" 2>/dev/null; then
    echo "bench: the peer did not start" >&2
    exit 1
  fi
  sleep 0.05
done

# 10,000 idle sockets need more than 10,003 descriptors.  (ulimit -n is
# not POSIX, but dash, bash and busybox sh all have it.)
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 20000 2>/dev/null || true

LUA_CPATH="$root/build/?.so;$tmp/?.so;;"
LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;"
export LUA_CPATH LUA_PATH
lua5.4 bench/run.lua "$tmp" 3>&-
