#!/usr/bin/python3
"""PyTorch reference for ShawBot's LoRA training benchmark (bench/ShawBot.Bench train-lora).

Same steps on the same model shape: a Llama decoder (hidden 768, 12 layers, 12 heads, vocab 32000,
SwiGLU 2048, tied embeddings: 110M parameters) in fp32 with random weights, LoRA r 8 / alpha 16 on q, k, v, o (PEFT's formula),
AdamW on the LoRA parameters only, batch 4 x 256 tokens, loss on every token.
Prints one JSON object: tokens/s over the timed steps.

Run with Debian's python3-torch and OpenBLAS (apt-get install python3-torch libopenblas0-pthread; without
OpenBLAS torch uses the reference BLAS):  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/reference/lora_train.py
"""
import argparse, json, math, time
import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--hidden", type=int, default=768); ap.add_argument("--layers", type=int, default=12)
ap.add_argument("--heads", type=int, default=12); ap.add_argument("--inter", type=int, default=2048)
ap.add_argument("--vocab", type=int, default=32000); ap.add_argument("--seq", type=int, default=256)
ap.add_argument("--batch", type=int, default=4); ap.add_argument("--r", type=int, default=8)
ap.add_argument("--steps", type=int, default=5); ap.add_argument("--warmup", type=int, default=1)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
C, L, NH, I, V, T, B, R = a.hidden, a.layers, a.heads, a.inter, a.vocab, a.seq, a.batch, a.r
HS = C // NH

def lin(o, i): return (torch.randn(o, i) * 0.02)
W = {"emb": torch.randn(V, C) * 0.02, "norm": torch.ones(C)}
W["head"] = W["emb"]   # tied embeddings, as the C# bench
lora = []
for l in range(L):
    for n, shape in [("q", (C, C)), ("k", (C, C)), ("v", (C, C)), ("o", (C, C)), ("gate", (I, C)), ("up", (I, C)), ("down", (C, I))]:
        W[f"{l}.{n}"] = lin(*shape)
    W[f"{l}.n1"] = torch.ones(C); W[f"{l}.n2"] = torch.ones(C)
    for n in "qkvo":
        A = (torch.rand(R, C) * 2 - 1) / math.sqrt(C); A.requires_grad_()
        Bm = torch.zeros(C, R, requires_grad=True)
        W[f"{l}.{n}.A"], W[f"{l}.{n}.B"] = A, Bm
        lora += [A, Bm]
scale = 16 / R

def rms(x, w, eps=1e-5): return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))
inv = 1.0 / (10000 ** (torch.arange(0, HS, 2).float() / HS))
fr = torch.outer(torch.arange(T).float(), inv); emb = torch.cat((fr, fr), -1); cos, sin = emb.cos(), emb.sin()
def rot(x): d = x.shape[-1] // 2; return torch.cat((-x[..., d:], x[..., :d]), -1)
mask = torch.full((T, T), float("-inf")).triu(1)

def proj(l, n, x):
    y = x @ W[f"{l}.{n}"].t()
    if f"{l}.{n}.A" in W: y = y + (x @ W[f"{l}.{n}.A"].t()) @ W[f"{l}.{n}.B"].t() * scale
    return y

def forward(ids):
    x = W["emb"][ids]
    for l in range(L):
        h = rms(x, W[f"{l}.n1"])
        q = proj(l, "q", h).view(B, T, NH, HS).transpose(1, 2); k = proj(l, "k", h).view(B, T, NH, HS).transpose(1, 2)
        v = proj(l, "v", h).view(B, T, NH, HS).transpose(1, 2)
        q = q * cos + rot(q) * sin; k = k * cos + rot(k) * sin
        att = F.softmax(q @ k.transpose(-1, -2) / math.sqrt(HS) + mask, -1)
        x = x + proj(l, "o", (att @ v).transpose(1, 2).reshape(B, T, C))
        h = rms(x, W[f"{l}.n2"])
        x = x + proj(l, "down", F.silu(proj(l, "gate", h)) * proj(l, "up", h))
    return rms(x, W["norm"]) @ W["head"].t()

opt = torch.optim.AdamW(lora, lr=2e-4, weight_decay=0.01)
ids = torch.randint(3, V, (B, T))
def step():
    opt.zero_grad()
    logits = forward(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    loss.backward(); opt.step()
    return loss.item()
for _ in range(a.warmup): step()
t0 = time.perf_counter()
for _ in range(a.steps): step()
dt = time.perf_counter() - t0
params = sum(v.numel() for k, v in W.items() if k != "head" and not k.endswith(".A") and not k.endswith(".B"))
print(json.dumps({"figure": "lora-train-pytorch", "torch": torch.__version__, "threads": a.threads, "params": params,
                  "tokens_per_s": round(B * T * a.steps / dt, 1), "step_s": round(dt / a.steps, 3)}))
