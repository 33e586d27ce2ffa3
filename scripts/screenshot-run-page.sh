#!/usr/bin/env bash
# Renders a run folder's page (index.html) in headless Chromium and saves a PNG screenshot.
#
#   scripts/screenshot-run-page.sh RUN_FOLDER OUT.png [WIDTH,HEIGHT]
#
# Needs Debian's chromium (apt-get install -y chromium). The page opens from disk (file://), so this
# also shows that it needs no server: a missing picture renders as a broken-image icon.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 RUN_FOLDER OUT.png [WIDTH,HEIGHT]" >&2
    exit 2
fi
page="$(cd "$1" && pwd)/index.html"
[ -f "$page" ] || { echo "$0: no index.html in $1 (run a chapter to write it)" >&2; exit 1; }
out="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
size="${3:-1200,2000}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "$0: chromium not found (apt-get install -y chromium)" >&2; exit 1; }
# A scratch profile, so the screenshot does not depend on (or write to) the user's browser settings.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$size" --screenshot="$out" "file://$page" 2>/dev/null
[ -s "$out" ] || { echo "$0: no screenshot written" >&2; exit 1; }
echo "wrote $out"
