#!/usr/bin/env bash
# Lists `using ShawBot.X.Y` edges between the folders of each project under src/ and reports every
# cycle (A uses B and B, directly or through others, uses A). Exit 1 when there is one.
# A folder is a project's first-level subfolder (ShawBot.Engine/Model → ShawBot.Engine.Model);
# files at a project's root form the project's own node.
set -euo pipefail
cd "$(dirname "$0")/.."
edges=$(for f in $(git ls-files 'src/*.cs'); do
  proj=$(echo "$f" | cut -d/ -f2)
  rest=$(echo "$f" | cut -d/ -f3-)
  case "$rest" in */*) from="$proj.${rest%%/*}";; *) from="$proj";; esac
  # Project ShawBot (the CLI) uses the root namespace ShawBot.Cli.
  grep -oE '^using (static )?ShawBot(\.[A-Za-z]+)+' "$f" | sed -E 's/^using (static )?//' | while read -r ns; do
    target_proj=$(echo "$ns" | cut -d. -f1-2)
    sub=$(echo "$ns" | cut -d. -f3)
    [ -d "src/$target_proj" ] || continue
    if [ -n "$sub" ] && [ -d "src/$target_proj/$sub" ]; then to="$target_proj.$sub"; else to="$target_proj"; fi
    [ "$from" != "$to" ] && [ "$proj" = "$target_proj" ] && echo "$from $to"
  done
done | sort -u)
echo "$edges" | awk 'NF==2' > /tmp/ns-edges.$$
# tsort reports cycles on stderr; a cycle-free graph sorts silently.
if out=$(tsort /tmp/ns-edges.$$ 2>&1 >/dev/null) && [ -z "$out" ]; then
  echo "no namespace cycle between folders ($(wc -l < /tmp/ns-edges.$$) edges)"; rm -f /tmp/ns-edges.$$; exit 0
fi
echo "$out"; rm -f /tmp/ns-edges.$$; exit 1
