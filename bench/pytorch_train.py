"""PyTorch reference of one AudioMAE fine-tuning step (no token dropping,
no drop-path): forward, BCE-with-logits, backward, AdamW, on the same
weights and batch as amae's compiled step, for benchmarking.

Usage: pytorch_train.py WEIGHTS.safetensors BATCH.safetensors [--steps N] [--threads T]
Prints the median and minimum time per step (after one warm-up step) and the
first step's loss.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "python"))
from pytorch_infer import forward  # noqa: E402
from safetensors_io import read  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("weights")
ap.add_argument("batch")
ap.add_argument("--steps", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--heads", type=int, default=12)
args = ap.parse_args()
torch.set_num_threads(args.threads)
w = {k: torch.from_numpy(v.copy()).requires_grad_(k != "pos_embed")
     for k, v in read(args.weights).items()}
batch = read(args.batch)
imgs, labels = torch.from_numpy(batch["imgs"].copy()), torch.from_numpy(batch["labels"].copy())
depth = len({k.split(".")[1] for k in w if k.startswith("blocks.")})
opt = torch.optim.AdamW([p for k, p in w.items() if k != "pos_embed"], lr=1e-4,
                        betas=(0.9, 0.999), weight_decay=5e-4)
times, first = [], None
for step in range(args.steps + 1):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    logits, _ = forward(w, imgs, depth, args.heads)
    loss = F.binary_cross_entropy_with_logits(logits, labels)
    loss.backward()
    opt.step()
    if step:
        times.append((time.perf_counter() - t0) * 1000)
    else:
        first = loss.item()
times.sort()
print("pytorch train step: %d steps, median %.1f ms, min %.1f ms (%d threads, torch %s), "
      "first loss %.6f" % (args.steps, times[len(times) // 2], times[0], args.threads,
                           torch.__version__, first))
