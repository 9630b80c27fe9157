#!/bin/sh
# rock-check.sh: `luarocks make` with rockspec/psock-scm-1.rockspec into a
# temporary tree, offline, then load the installed module in a fresh lua5.4
# and make one TCP exchange over loopback with it.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
# a copy of the tracked files, so luarocks' objects stay out of the checkout
git ls-files -z | xargs -0 -I{} cp --parents {} "$tmp/src/" 2>/dev/null || cp -r . "$tmp/src"
cd "$tmp/src"
luarocks --lua-version=5.4 make --tree="$tmp/tree" --deps-mode=none \
  rockspec/psock-scm-1.rockspec > "$tmp/luarocks.log" 2>&1 || {
  cat "$tmp/luarocks.log" >&2; exit 1; }
so=$(find "$tmp/tree" -name psock.so | head -n 1)
[ -n "$so" ] || { echo "rock: luarocks installed no psock.so" >&2; exit 1; }
lua=$(find "$tmp/tree" -path '*/psock/stream.lua' | head -n 1)
[ -n "$lua" ] || { echo "rock: luarocks installed no psock/stream.lua" >&2; exit 1; }
if ldd "$so" | grep -q liblua; then
  echo "rock: $so links against liblua" >&2; exit 1
fi
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
if [ "$exported" != luaopen_psock ]; then
  echo "rock: $so exports more than luaopen_psock:" $exported >&2; exit 1
fi
LUA_CPATH="$(dirname "$so")/?.so" LUA_PATH="$(dirname "$(dirname "$lua")")/?.lua" lua5.4 -e '
  local psock = require "psock"
  local stream = require "psock.stream"
  local tcp = require "psock.tcp"
  local l <close> = assert(tcp.listen("127.0.0.1", 0))
  local c <close> = assert(tcp.connect(l:getsockname()))
  local a <close> = assert(l:accept())
  assert(c:sendall("rock\n")); assert(stream.new(a):read("l") == "rock")
  print("rock: luarocks make installed " .. psock._VERSION .. " and it works")'
