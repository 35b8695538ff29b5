#!/usr/bin/env bash
# The Redis tests start a real redis-server of their own.
exec bash "$(dirname "$0")/ensure-debian-package.sh" redis-server redis-server
