#!/usr/bin/env bash
# Rebuilds models/tiny-shawbot, the demo's embedded model, from sources in this repository:
#   1. scripts/get-corpus.sh fetches English prose from Debian packages (data/corpus/corpus.txt);
#   2. `shawbot pretrain` trains a small Llama from scratch on it and on data/seed-replies.jsonl
#      (rendered with prompts/, weighted by --pairs-repeat), with Mistral's tokenizer;
#   3. `shawbot train` fits the default LoRA adapter on data/seed-replies.jsonl less its held-out
#      lines (every 10th, data/README.md).
# Deterministic for a machine (seeded); takes about 90 minutes on 2 idle cores. Pretraining writes a
# checkpoint every 50 steps (<out>.ckpt): run the script again after an interruption and it resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-models/tiny-shawbot}
STEPS=${STEPS:-3600}
TOKENIZER=${TOKENIZER:-../shared/fixtures/mistral-7b-v0.1-tokenizer}
[ -f data/corpus/corpus.txt ] || bash scripts/get-corpus.sh
dotnet build src/ShawBot -c Release -v quiet
SHAWBOT="dotnet src/ShawBot/bin/Release/net10.0/shawbot.dll"
tmp=${WORK:-build/tiny-shawbot}
mkdir -p "$tmp"
$SHAWBOT pretrain --tokenizer "$TOKENIZER" --pairs data/seed-replies.jsonl --pairs-repeat 5 --pairs-split train --text data/corpus/corpus.txt \
  --out "$tmp/base" --hidden 256 --intermediate 704 --layers 8 --heads 8 --kv-heads 4 \
  --seq-len 256 --batch-size 8 --steps "$STEPS" --lr 2.5e-3 --seed 3 --checkpoint-every 50
$SHAWBOT train --model "$tmp/base" --data data/seed-replies.jsonl --split train --out "$tmp/adapter" \
  --rank 16 --alpha 32 --targets all-linear --lr 3e-3 --epochs 5 --batch-size 8 --grad-accum 1 --adam-8bit false --seed 1
mkdir -p "$tmp/base/adapter"
cp "$tmp/adapter"/{adapter_config.json,adapter_model.safetensors,loss-curve.svg,metrics.json} "$tmp/base/adapter/"
[ -f "$OUT/README.md" ] && cp "$OUT/README.md" "$tmp/base/README.md"
rm -rf "$OUT.new"; cp -r "$tmp/base" "$OUT.new"
rm -rf "$OUT"; mv "$OUT.new" "$OUT"
du -sh "$OUT"
rm -rf "$tmp"
