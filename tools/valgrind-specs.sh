#!/bin/sh
# valgrind-specs.sh [busted args]: run the specs in lua5.4 under valgrind
# memcheck, with the garbage collector running all the time
# (PSOCK_GC_STRESS, see spec/support/setup.lua).  Fails on any invalid
# access, any definite or indirect leak, or any descriptor other than
# stdin/stdout/stderr still open when the interpreter exits.
# Run from the repository root with LUA_CPATH/LUA_PATH set (make valgrind).
set -u
logdir=build/valgrind
rm -rf "$logdir"
mkdir -p "$logdir"
PSOCK_GC_STRESS=1 PSOCK_FD_REPORT="$logdir/sockets.txt" valgrind --quiet \
  --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
  --track-fds=yes --log-file="$logdir/memcheck.%p.log" \
  lua5.4 /usr/bin/busted -o spec/support/summary.lua "$@"
status=$?
bad=0
for log in "$logdir"/memcheck.*.log; do
  [ -e "$log" ] || continue
  if grep -q "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|indirectly lost: [1-9]\|Invalid \|uninitialised" "$log"; then
    echo "valgrind: memory errors, see $log" >&2
    bad=1
  fi
  # Descriptors open at exit, less stdin/stdout/stderr and those inherited
  # from whoever started the run (valgrind marks them).
  leaked=$(awk '
    /Open (file descriptor|AF_)/ { fd = $0; sub(/.*descriptor /, "", fd); sub(/:.*/, "", fd); pending = fd; text = $0; next }
    pending != "" && /inherited from parent/ { pending = ""; next }
    pending != "" && /==[0-9]+== *$/ { if (pending > 2) print text; pending = "" }
  ' "$log")
  if [ -n "$leaked" ]; then
    echo "valgrind: descriptors left open at exit, see $log:" >&2
    printf '%s\n' "$leaked" >&2
    bad=1
  fi
done
if [ -s "$logdir/sockets.txt" ]; then
  echo "valgrind: sockets still open when the suite ended (fd, inode):" >&2
  cat "$logdir/sockets.txt" >&2
  bad=1
fi
if [ "$bad" = 0 ] && [ "$status" = 99 ]; then
  echo "valgrind: error exit without a report; see $logdir" >&2
  bad=1
fi
[ "$bad" = 0 ] && echo "valgrind: no invalid accesses, no leaks, no descriptors left open"
[ "$status" = 0 ] && [ "$bad" = 0 ]
