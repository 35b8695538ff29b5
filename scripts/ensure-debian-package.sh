#!/usr/bin/env bash
# Installs a Debian package the tests need when its program is missing; never skips silently.
# usage: ensure-debian-package.sh PROGRAM PACKAGE [EXTRA_PACKAGE...]
set -euo pipefail
program=$1
shift
if command -v "$program" >/dev/null 2>&1; then exit 0; fi
echo "[ensure] $program is missing; installing Debian's $*" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "[ensure] not root and no sudo: install it with 'apt-get install $*' and run the tests again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
command -v "$program" >/dev/null
echo "[ensure] installed $program" >&2
