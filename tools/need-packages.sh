#!/bin/sh
# need-packages.sh PKG...: make sure these Debian packages are installed.
# As root, install what is missing with apt-get; otherwise print the exact
# command to run and fail.
missing=""
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $pkg"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq$missing; } >&2 || {
    echo "apt-get could not install:$missing" >&2; exit 1; }
else
  echo "missing Debian packages:$missing" >&2
  echo "run:  sudo apt-get install -y$missing" >&2
  exit 1
fi
