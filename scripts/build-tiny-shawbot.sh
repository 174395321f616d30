#!/usr/bin/env bash
# Rebuilds models/tiny-shawbot, the demo's embedded model, from sources in this repository:
#   1. scripts/get-corpus.sh fetches English prose from Debian packages (data/corpus/corpus.txt);
#   2. `shawbot pretrain`, stage 1: a small Llama (8 layers x 256, Mistral's tokenizer) from scratch on
#      that prose and the seed pairs (data/seed-replies.jsonl, rendered with prompts/ as drafting does);
#   3. stage 2 (`--init`): continued on data/voice-pairs.jsonl (~5,000 written comment/reply pairs,
#      data/README.md), the seed pairs and the prose;
#   4. `shawbot train` fits the default LoRA adapter on data/seed-replies.jsonl.
# Every step leaves out the held-out lines (every 10th line of both pair files, data/README.md), so
# `shawbot eval --split held-out` measures replies to comments the model never saw.
# Deterministic for a machine (seeded); about 90 minutes on 2 idle cores (~830 training tokens/s).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-models/tiny-shawbot}
TOKENIZER=${TOKENIZER:-../shared/fixtures/mistral-7b-v0.1-tokenizer}
[ -f data/corpus/corpus.txt ] || bash scripts/get-corpus.sh
dotnet build src/ShawBot -c Release -v quiet
SHAWBOT="dotnet src/ShawBot/bin/Release/net10.0/shawbot.dll"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
STAGE1_STEPS=${STAGE1_STEPS:-900}
STAGE2_STEPS=${STAGE2_STEPS:-1300}
$SHAWBOT pretrain --tokenizer "$TOKENIZER" --pairs data/seed-replies.jsonl --pairs-split train --pairs-repeat 2 --text data/corpus/corpus.txt \
  --out "$tmp/stage1" --hidden 256 --intermediate 704 --layers 8 --heads 8 --kv-heads 4 \
  --seq-len 256 --batch-size 8 --steps "$STAGE1_STEPS" --lr 2.5e-3 --seed 3
$SHAWBOT pretrain --tokenizer "$TOKENIZER" --init "$tmp/stage1" --pairs data/voice-pairs.jsonl data/seed-replies.jsonl --pairs-split train \
  --pairs-repeat 3 --text data/corpus/corpus.txt --out "$tmp/base" --seq-len 256 --batch-size 8 --steps "$STAGE2_STEPS" --lr 1.5e-3 --seed 4
$SHAWBOT train --model "$tmp/base" --data data/seed-replies.jsonl --split train --out "$tmp/adapter" \
  --rank 16 --alpha 32 --targets all-linear --lr 3e-3 --epochs 5 --batch-size 8 --grad-accum 1 --adam-8bit false --seed 1
mkdir -p "$tmp/base/adapter"
cp "$tmp/adapter"/{adapter_config.json,adapter_model.safetensors,loss-curve.svg,metrics.json} "$tmp/base/adapter/"
[ -f "$OUT/README.md" ] && cp "$OUT/README.md" "$tmp/base/README.md"
rm -rf "$OUT.new"; cp -r "$tmp/base" "$OUT.new"
rm -rf "$OUT"; mv "$OUT.new" "$OUT"
du -sh "$OUT"
