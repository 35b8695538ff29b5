#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when it is missing; never skip silently.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "[ensure-chromium] /usr/bin/chromium is missing; installing Debian's chromium package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "[ensure-chromium] not root and no sudo: install it with 'apt-get install chromium' and run the tests again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
test -x /usr/bin/chromium
echo "[ensure-chromium] installed: $(/usr/bin/chromium --version)" >&2
