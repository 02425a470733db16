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

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "python"))
from pytorch_infer import forward  # noqa: E402
from pytorch_steps import time_steps  # noqa: E402
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
time_steps("train", opt,
           lambda: F.binary_cross_entropy_with_logits(forward(w, imgs, depth, args.heads)[0], labels),
           args.steps, args.threads)
