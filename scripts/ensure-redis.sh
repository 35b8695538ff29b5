#!/usr/bin/env bash
# The Redis tests start a real redis-server. Install Debian's package when it is missing; never skip silently.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
echo "[ensure-redis] redis-server is missing; installing Debian's redis-server package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "[ensure-redis] not root and no sudo: install it with 'apt-get install redis-server' and run the tests again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
command -v redis-server >/dev/null
echo "[ensure-redis] installed: $(redis-server --version)" >&2
