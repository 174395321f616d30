#!/usr/bin/env python3
"""Merge helper-written comment/reply files into data/voice-pairs.jsonl for pretraining.

usage: tools/merge-voice-pairs.py OUT.jsonl PART.jsonl...

Keeps a line only if it is a valid ShawGPT pair (keys comment and reply, reply ending in
" –ShawGPT" exactly once, no URL, at most 50 words) and its comment is neither a duplicate of an
earlier line nor close to any comment of data/seed-replies.jsonl or data/demo-comments.jsonl
(word-set Jaccard >= 0.6, or equal after normalisation). Those two files are the evaluation and
demo sets: a near copy of one of their comments in pretraining would flatter the held-out loss and
the demo's drafts. Lines are interleaved across the parts (round robin) and shuffled with a fixed
seed, so every 10th line (the held-out convention of data/README.md) samples all parts.
Standard library only; prints what it dropped and why.
"""
import json, random, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGN = " \u2013ShawGPT"

def words(text):
    return frozenset(re.findall(r"\w+", text.lower()))

def norm(text):
    return " ".join(re.findall(r"\w+", text.lower()))

def main():
    out, parts = sys.argv[1], sys.argv[2:]
    if not parts:
        sys.exit(__doc__)
    guarded = [json.loads(l)["comment"] for l in open(ROOT / "data/seed-replies.jsonl", encoding="utf-8")]
    guarded += [json.loads(l)["text"] for l in open(ROOT / "data/demo-comments.jsonl", encoding="utf-8")]
    guard_sets = [(words(c), norm(c)) for c in guarded]
    by_word = {}
    for i, (ws, _) in enumerate(guard_sets):
        for w in ws:
            by_word.setdefault(w, []).append(i)
    kept, seen, dropped = {}, set(), {}
    def drop(reason, part, line):
        dropped.setdefault(reason, []).append(f"{part}: {line[:90]}")
    for part in parts:
        kept[part] = []
        for line in open(part, encoding="utf-8"):
            line = line.rstrip("\n")
            try:
                o = json.loads(line)
            except json.JSONDecodeError:
                drop("not JSON", part, line); continue
            if set(o) != {"comment", "reply"} or not o["comment"].strip() or not o["reply"].strip():
                drop("fields", part, line); continue
            c, r = o["comment"].strip(), o["reply"].strip()
            if not r.endswith(SIGN) or r.count("\u2013ShawGPT") != 1 or "http" in r or "www." in r or len(r.split()) > 51:
                drop("reply format", part, line); continue
            n = norm(c) or c
            if n in seen:
                drop("duplicate comment", part, line); continue
            ws = words(c)
            near = False
            cands = set()
            for w in ws:
                cands.update(by_word.get(w, ()))
            for i in cands:
                gws, gn = guard_sets[i]
                if gn == n or (ws and gws and len(ws & gws) / len(ws | gws) >= 0.6):
                    near = True; break
            if near:
                drop("close to a seed or demo comment", part, line); continue
            seen.add(n)
            kept[part].append(json.dumps({"comment": c, "reply": r}, ensure_ascii=False))
    lines = [l for p in parts for l in kept[p]]
    random.Random(11).shuffle(lines)
    Path(out).write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    for reason, items in sorted(dropped.items()):
        print(f"dropped {len(items)} ({reason}); e.g. {items[0]}")
    print(f"kept {len(lines)} lines from {len(parts)} files -> {out}: " + ", ".join(f"{Path(p).stem} {len(kept[p])}" for p in parts))

main()
