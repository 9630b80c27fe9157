#!/bin/sh
# psock demo: start each echo server (TCP, UDP, Unix), send it a few lines
# with the matching client, and show what came back.
#
#   make demo                 (from the repository root: builds psock first)
#   sh examples/demo.sh       (with LUA_CPATH/LUA_PATH set: eval "$(make -s env)")
#
# LUA names the interpreter (default lua5.4).  Every child runs under
# timeout(1), so nothing can hang; the exit status is 0 only when every
# exchange came back intact.

LUA=${LUA:-lua5.4}
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/psock-demo.XXXXXX") || exit 1
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! timeout 10 "$LUA" -e 'require "psock"' 2>"$work/require.err"; then
  echo "demo: $LUA cannot load psock:" >&2
  cat "$work/require.err" >&2
  echo "demo: run 'make demo', or 'make' then: eval \"\$(make -s env)\"" >&2
  exit 1
fi

# The lines each client sends.
cat >"$work/input" <<'EOF'
hello
psock speaks BSD sockets
   spaces and punctuation: ok?!
EOF

failures=0

# Wait (at most 5 s) until the server's first line is in $1; print it.
first_line() {
  tries=0
  while [ "$tries" -lt 50 ]; do
    if [ -s "$1" ] && IFS= read -r line <"$1" && [ -n "$line" ]; then
      printf '%s\n' "$line"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
    tries=$((tries + 1))
  done
  return 1
}

# exchange KIND SERVER_ARGS: run one server and its client, show the result.
exchange() {
  kind=$1
  shift
  echo "== $kind =="
  echo "\$ $LUA examples/${kind}_echo_server.lua $* &"
  timeout 30 "$LUA" "$here/${kind}_echo_server.lua" "$@" \
    >"$work/$kind.server" 2>"$work/$kind.server.err" &
  server_pid=$!

  if ! line=$(first_line "$work/$kind.server"); then
    echo "$kind: FAILED, the server did not start"
    cat "$work/$kind.server.err" >&2
    failures=$((failures + 1))
    cleanup_server
    echo
    return
  fi
  echo "server says: $line"
  address=${line#listening on }
  if [ "$kind" = unix ]; then
    set -- "$address"
  else
    set -- "${address%:*}" "${address##*:}"
  fi

  echo "\$ $LUA examples/${kind}_echo_client.lua $* < lines"
  if timeout 10 "$LUA" "$here/${kind}_echo_client.lua" "$@" \
       <"$work/input" >"$work/$kind.client" 2>"$work/$kind.client.err"; then
    status=ok
  else
    status=failed
    cat "$work/$kind.client.err" >&2
  fi

  # Pair each line sent with the line that came back.
  sent_count=0
  while IFS= read -r sent <&3; do
    if IFS= read -r got <&4; then
      if [ "$sent" = "$got" ]; then
        printf '%s: sent "%s" -> got "%s"\n' "$kind" "$sent" "$got"
      else
        printf '%s: sent "%s" -> got "%s"  MISMATCH\n' "$kind" "$sent" "$got"
        status=failed
      fi
    else
      printf '%s: sent "%s" -> no reply\n' "$kind" "$sent"
      status=failed
    fi
    sent_count=$((sent_count + 1))
  done 3<"$work/input" 4<"$work/$kind.client"

  cleanup_server
  if [ "$status" = ok ]; then
    echo "$kind: ok, $sent_count lines echoed"
  else
    echo "$kind: FAILED"
    failures=$((failures + 1))
  fi
  echo
}

# Stop the server in the background (it serves until killed) and reap it.
cleanup_server() {
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}

echo "psock demo: echo servers and clients over TCP, UDP and Unix sockets"
echo "(each server is started with port 0, so the system picks a free port)"
echo

exchange tcp 127.0.0.1 0
exchange udp 127.0.0.1 0
exchange unix "$work/echo.sock"

if [ "$failures" -eq 0 ]; then
  echo "demo: all three exchanges worked."
  exit 0
fi
echo "demo: $failures of 3 exchanges failed."
exit 1
