"""Inputs for and checks of one compiled fine-tuning AdamW step.

  finetune-adamw-check.py inputs WEIGHTS GRADS OUT
  finetune-adamw-check.py check WEIGHTS GRADS STEPPED DEPTH

The step is the first (m = v = 0, step 1), so per element
  p1 = p0 (1 - lr_g wd_g) - lr_g g / (|g| + eps)
with the official fine-tuning groups (util/lr_decay.py): lr_g = lr x
0.75^(depth + 1 - layer), layer 0 for cls_token, pos_embed and patch_embed.*,
i + 1 for blocks.i, depth + 1 for the rest; no weight decay for 1-D tensors,
pos_embed and cls_token. Tolerance 5e-3 x lr_g.
"""
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import read, write  # noqa: E402

LR, WD, EPS, LAYER_DECAY = 1e-3, 5e-4, 1e-8, 0.75
FROZEN = {"pos_embed"}

mode = sys.argv[1]
weights, grads = read(sys.argv[2]), read(sys.argv[3])
names = [n for n in weights if n not in FROZEN]
if mode == "inputs":
    t = {"lr": np.array(LR, dtype=np.float32), "step": np.array(1, dtype=np.int64)}
    for n in names:
        t[n] = weights[n]
        t["grad." + n] = grads["grad." + n]
        t["m." + n] = np.zeros_like(weights[n])
        t["v." + n] = np.zeros_like(weights[n])
    write(sys.argv[4], t)
    sys.exit(0)

stepped, depth = read(sys.argv[4]), int(sys.argv[5])


def layer(name):
    if name in ("cls_token", "pos_embed") or name.startswith("patch_embed"):
        return 0
    m = re.match(r"blocks\.(\d+)\.", name)
    return int(m.group(1)) + 1 if m else depth + 1


worst, scales = 0.0, set()
for n in names:
    p0, g = weights[n].astype(np.float64), grads["grad." + n].astype(np.float64)
    lr = LR * LAYER_DECAY ** (depth + 1 - layer(n))
    scales.add(round(lr / LR, 6))
    decay = 0.0 if (p0.ndim == 1 or n in ("pos_embed", "cls_token")) else WD
    expected = p0 * (1 - lr * decay) - lr * g / (np.abs(g) + EPS)
    worst = max(worst, np.abs(stepped[n].astype(np.float64) - expected).max() / lr)
print("%d parameters, lr scales %s: formula error %.2e lr (tolerance 5e-3)"
      % (len(names), sorted(scales), worst))
sys.exit(0 if worst <= 5e-3 else 1)
