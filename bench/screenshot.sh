#!/usr/bin/env bash
# Renders a run's report.html (written first when missing) in headless Chromium and saves a
# screenshot, to look at the report as a reader would:
#   bench/screenshot.sh reports/<run-id> [out.png] [height]
# Needs Debian's chromium (apt-get install -y chromium).
set -euo pipefail
run=${1:?usage: bench/screenshot.sh <run-dir> [out.png] [height]}
out=${2:-/tmp/report.png}
height=${3:-3000}
here=$(cd "$(dirname "$0")/.." && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "no chromium found: apt-get install -y chromium (as root on Debian)" >&2
  exit 2
fi
html=$(cd "$run" && pwd)/report.html
if [ ! -f "$html" ]; then
  (cd "$here" && npx ts-node --transpile-only harness/cli/main.ts report "$run")
fi
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out" --window-size=1400,"$height" "file://$html" 2>/dev/null
echo "$out"
