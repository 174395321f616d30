#!/usr/bin/env bash
# ShawBot's int8 fast path against llama.cpp Q4_0 on the same Mistral-7B shapes, side by side.
#
#   bench/reference/vs-llamacpp.sh [ANCHOR_DIR]      (run from anywhere; ANCHOR_DIR default /tmp/llamacpp-anchor)
#
# Needs the anchor built once: ../shared/anchors/llamacpp/build.sh (see its README; ~10 min, writes
# ANCHOR_DIR/llama.cpp/build/bin/llama-bench and ANCHOR_DIR/q4_0-32.gguf). Then, ROUNDS times (default 3),
# alternately: ../shared/anchors/llamacpp/bench.sh (llama-bench: decode 64 after nothing, prefill 128 and 512,
# 3 reps) and `dotnet run -c Release --project bench/ShawBot.Bench -- llm --layers 32 --kernels fast`
# (NF4 + double quant, decode 64 after a 128-token prompt, prefill 128 and 512, medians of 3 reps).
# Prints every JSON line as it comes, then one JSON summary: per engine the median of the rounds for
# decode_tok_s, prefill128_tok_s, prefill512_tok_s, peak_rss_mb, the ratios ShawBot / llama.cpp, where the
# anchor was built, and the load average before and after (compare only runs taken on a quiet machine).
# Env: LAYERS (default 32), ROUNDS (default 3), KERNELS (default fast), THREADS (llama.cpp threads, default nproc).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
anchor_dir=${1:-/tmp/llamacpp-anchor}
layers=${LAYERS:-32}; rounds=${ROUNDS:-3}; kernels=${KERNELS:-fast}
anchor_sh="$repo/../shared/anchors/llamacpp/bench.sh"
[ -x "$anchor_dir/llama.cpp/build/bin/llama-bench" ] && [ -f "$anchor_dir/q4_0-$layers.gguf" ] || {
  echo "llama.cpp anchor not found in $anchor_dir: run LAYERS=$layers $repo/../shared/anchors/llamacpp/build.sh $anchor_dir first" >&2; exit 2; }
dotnet build -c Release "$repo/bench/ShawBot.Bench" -v q -nologo >/dev/null
ours=("$repo/bench/ShawBot.Bench/bin/Release/net10.0/ShawBot.Bench" llm --layers "$layers" --kernels "$kernels")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
lines=()
for ((r = 1; r <= rounds; r++)); do
  l=$(LAYERS=$layers "$anchor_sh" "$anchor_dir"); echo "$l"; lines+=("$l")
  s=$("${ours[@]}"); echo "$s"; lines+=("$s")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# field FIGURE KEY: the median over the rounds of KEY in the lines whose figure is FIGURE.
median() {
  printf '%s\n' "${lines[@]}" | grep "\"figure\":\"$1\"\|\"figure\": \"$1\"" | grep -o "\"$2\": *[0-9.]*" | sed 's/.*: *//' | sort -g \
    | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
summary="{\"figure\":\"vs-llamacpp\",\"layers\":$layers,\"rounds\":$rounds,\"kernels\":\"$kernels\",\"llamacpp_built_in\":\"$anchor_dir\",\"load_before\":\"$load_before\",\"load_after\":\"$load_after\""
for key in decode_tok_s prefill128_tok_s prefill512_tok_s peak_rss_mb; do
  a=$(median llama.cpp-q4_0 "$key"); b=$(median llm "$key")
  summary+=",\"llamacpp_$key\":$a,\"shawbot_$key\":$b,\"ratio_$key\":$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')"
done
echo "$summary}"
