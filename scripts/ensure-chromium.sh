#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (with CJK fonts, for the Chinese pages' screenshots).
exec bash "$(dirname "$0")/ensure-debian-package.sh" /usr/bin/chromium chromium fonts-noto-cjk
