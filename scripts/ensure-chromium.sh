#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium, for the end-to-end
# browser test (test/e2e/browser.test.ts), which drives it with playwright-core.
#
# Why Debian's package: `npx playwright install` downloads a browser build of
# its own, which this machine's closed network refuses; Debian's `chromium`
# comes through apt like every other tool CI installs.
#
# Idempotent: does nothing when /usr/bin/chromium is already there. Another
# process may be installing packages at the same time, so apt-get waits up to
# 300 s for dpkg's lock instead of failing at once.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
LOCK_WAIT=(-o DPkg::Lock::Timeout=300)

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM present: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi

fail() {
  echo "ensure-chromium: FAILED: $*" >&2
  echo "ensure-chromium: the browser test needs Debian's chromium at $CHROMIUM (apt-get install chromium)" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian/Ubuntu machine)"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "not root and sudo not found"
  SUDO=(sudo)
fi

echo "ensure-chromium: $CHROMIUM missing; installing Debian's chromium"
echo "ensure-chromium: apt-get update"
"${SUDO[@]}" apt-get "${LOCK_WAIT[@]}" update -qq || fail "apt-get update"
echo "ensure-chromium: apt-get install -y --no-install-recommends chromium"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${LOCK_WAIT[@]}" install -y -qq --no-install-recommends chromium || fail "apt-get install chromium"

[ -x "$CHROMIUM" ] || fail "apt-get succeeded but $CHROMIUM is not there"
echo "ensure-chromium: installed: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
