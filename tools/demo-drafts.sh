#!/usr/bin/env bash
# demo-drafts.sh — the drafts a new user sees: runs `shawbot demo` in a throw-away state folder with
# comments arriving fast, waits until N drafts are in the review queue (bounded), prints one JSON line
# per draft {comment, video, flags, draft} and stops the demo. On stderr: seconds from launching the
# process until the first draft was in the queue (polled every 0.1 s), and until N were.
# NO_BUILD=1 skips the build (repeated timings). TIMELINE=1 also prints the demo's log on stderr, each line with the seconds since launch (start-up timeline).
# SHAWBOT_DLL=/other/build/shawbot.dll times another build (A/B: alternate it with this checkout's, NO_BUILD=1).
#
#   bash tools/demo-drafts.sh [N=20] [MODEL=models/tiny-shawbot]
#   TIMELINE=1 bash tools/demo-drafts.sh 1
#
# Needs: dotnet, curl, python3 (to pretty-print; tools only, never the product). Run from the repo root.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}; MODEL=${2:-models/tiny-shawbot}; PORT=${PORT:-5391}
STATE=$(mktemp -d); LOG="$STATE/demo.log"; CPU=""
[ "${NO_BUILD:-0}" = 1 ] || dotnet build src/ShawBot -c Release -v quiet -nologo >/dev/null   # NO_BUILD=1: time the last build again
T0=$(date +%s.%N); FIRST=""
# Each log line gets the wall-clock time it arrived (perl: one light process; the log's own stamps are whole seconds).
dotnet "${SHAWBOT_DLL:-src/ShawBot/bin/Release/net10.0/shawbot.dll}" demo --model "$MODEL" --port "$PORT" --state "$STATE/s" --interval 0.5 \
  > >(perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.3f %s", time, $_' >"$LOG") 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$STATE"' EXIT
for _ in $(seq 1 3000); do    # at most ~5 minutes
  sleep 0.1
  # Counted with grep, not python: a python start every 0.1 s would take CPU from the start-up being measured.
  n=$(curl -fsS "http://127.0.0.1:$PORT/api/queue" 2>/dev/null | grep -o '"draftId":' | wc -l || true)
  if [ "$n" -ge 1 ] && [ -z "$FIRST" ]; then
    FIRST=$(date +%s.%N)
    # CPU the process had used by then (user + system, all threads): steadier than wall time on a shared machine.
    CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$PID/stat" 2>/dev/null || echo "?")
  fi
  [ "$n" -ge "$N" ] && break
done
[ -n "$FIRST" ] && python3 -c "import sys; print(f'first draft {float(sys.argv[2]) - float(sys.argv[1]):.2f} s after launch (process CPU {sys.argv[3]} s)', file=sys.stderr)" "$T0" "$FIRST" "$CPU"
if [ "${TIMELINE:-0}" = 1 ]; then
  perl -ne 'BEGIN { $t0 = shift } if (/^(\d+\.\d+) (.*)/) { printf STDERR "%7.3f  %s\n", $1 - $t0, substr($2, 0, 160) }' "$T0" "$LOG"
  [ -n "$FIRST" ] && perl -e 'printf STDERR "%7.3f  (first draft in /api/queue)\n", $ARGV[1] - $ARGV[0]' "$T0" "$FIRST"
fi
curl -fsS "http://127.0.0.1:$PORT/api/queue" | python3 -c '
import json, sys
n = int(sys.argv[1])
for item in json.load(sys.stdin)[:n]:
    print(json.dumps({"comment": item["comment"], "video": item.get("videoTitle"), "flags": item.get("flags"), "draft": item["draft"]}, ensure_ascii=False))
' "$N"
