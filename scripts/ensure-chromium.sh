#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium; install it when this machine does not have it yet.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
  exit 0
fi
as_root=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then as_root=(sudo); else echo "chromium: missing, and installing it needs root" >&2; exit 1; fi
fi
echo "chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
