#!/usr/bin/env bash
# Make sure Debian's `chromium` is installed, for the app's browser test (tests/test_app_browser.py).
#
#   sudo bash scripts/browser_setup.sh      # prints one line: the browser and its version
#
# Playwright drives this system browser through `executable_path` (its own browser download is
# not used). Idempotent: when /usr/bin/chromium exists it only prints its version (~0.1 s);
# otherwise, as root, it runs `apt-get update` + `apt-get install chromium` (~30-90 s).
# Exit 2 when chromium is missing and we are not root; 1 when the install fails.
set -euo pipefail

PREFIX="browser_setup"
BROWSER="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$BROWSER" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        printf '%s: %s is missing and installing it needs root; try: sudo bash %s\n' \
            "$PREFIX" "$BROWSER" "$0" >&2
        exit 2
    fi
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; } \
        >"$log" 2>&1; then
        printf '%s: ERROR: apt-get install chromium failed; last lines:\n' "$PREFIX" >&2
        tail -n 15 "$log" >&2
        exit 1
    fi
fi
printf '%s: %s\n' "$PREFIX" "$("$BROWSER" --version 2>/dev/null || echo "$BROWSER (version unknown)")"
