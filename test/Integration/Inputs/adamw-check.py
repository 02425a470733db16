"""Inputs for and checks of one compiled AdamW step (`pretrain_adamw`).

  adamw-check.py inputs WEIGHTS GRADS OUT [WD]   # params, grad.*, zero m/v, lr, step=1
  adamw-check.py check WEIGHTS GRADS STEPPED GOLDEN_ADAMW [WD]
  adamw-check.py params STEPPED OUT WEIGHTS        # the stepped params as weights
  adamw-check.py inputs2 STEPPED GRADS2 OUT        # second step: m, v carried, step=2
  adamw-check.py check2 STEPPED STEPPED2 GOLDEN_ADAMW

WD, when given, is passed as the run-time `weight_decay` input (otherwise the
compiled default, 0.05, applies) and used by the formula; the comparison with
the official step then only makes sense at the default.

`check` verifies, for every trainable parameter:
- the formula of a first step applied to our own gradients,
  p1 = p0 (1 - lr wd_group) - lr g / (|g| + eps), within 5e-3 x lr, with the
  official pretraining groups (no decay on 1-D tensors and biases);
- the update (after minus before) against the official step1 within 0.1 x lr.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import read, write  # noqa: E402

LR, WD, EPS = 1e-4, 0.05, 1e-8
FROZEN = {"pos_embed", "decoder_pos_embed"}

mode = sys.argv[1]
if mode == "params":
    stepped = read(sys.argv[2])
    golden_weights = read(sys.argv[4])
    # Frozen tables are unchanged by the step.
    write(sys.argv[3], {n: stepped.get(n, v) for n, v in golden_weights.items()})
    sys.exit(0)
if mode == "inputs2":
    stepped, grads2 = read(sys.argv[2]), read(sys.argv[3])
    names = [n[len("grad."):] for n in grads2 if n.startswith("grad.")]
    tensors = {"lr": np.array(LR, dtype=np.float32), "step": np.array(2, dtype=np.int64)}
    for n in names:
        tensors[n] = stepped[n]
        tensors["grad." + n] = grads2["grad." + n]
        tensors["m." + n] = stepped["m." + n]
        tensors["v." + n] = stepped["v." + n]
    write(sys.argv[4], tensors)
    sys.exit(0)
if mode == "check2":
    one, two, golden = read(sys.argv[2]), read(sys.argv[3]), read(sys.argv[4])
    names = [n for n in two if not n.startswith(("m.", "v."))]
    worst = max(np.abs((two[n].astype(np.float64) - one[n]) -
                       (golden["step2." + n].astype(np.float64) - golden["step1." + n])).max() / LR
                for n in names)
    print("%d parameters: second update vs official step2 %.2e lr (tolerance 0.1)" % (len(names), worst))
    sys.exit(0 if worst <= 0.1 else 1)

weights_path, grads_path = sys.argv[2:4]
weights = read(weights_path)
grads = read(grads_path)
names = [n for n in weights if n not in FROZEN]

if mode == "inputs":
    tensors = {"lr": np.array(LR, dtype=np.float32), "step": np.array(1, dtype=np.int64)}
    if len(sys.argv) > 5:
        tensors["weight_decay"] = np.array(float(sys.argv[5]), dtype=np.float32)
    for n in names:
        tensors[n] = weights[n]
        tensors["grad." + n] = grads["grad." + n]
        tensors["m." + n] = np.zeros_like(weights[n])
        tensors["v." + n] = np.zeros_like(weights[n])
    write(sys.argv[4], tensors)
    sys.exit(0)

stepped = read(sys.argv[4])
golden = read(sys.argv[5])
if len(sys.argv) > 6:
    WD = float(sys.argv[6])
worst_formula = worst_golden = 0.0
for n in names:
    p0 = weights[n].astype(np.float64)
    g = grads["grad." + n].astype(np.float64)
    decay = 0.0 if (p0.ndim == 1 or n.endswith(".bias")) else WD
    expected = p0 * (1 - LR * decay) - LR * g / (np.abs(g) + EPS)
    ours = stepped[n].astype(np.float64)
    worst_formula = max(worst_formula, np.abs(ours - expected).max() / LR)
    official = golden["step1." + n].astype(np.float64)
    worst_golden = max(worst_golden, np.abs((ours - p0) - (official - p0)).max() / LR)
if WD != 0.05:
    print("%d parameters at weight_decay %g: formula error %.2e lr (tolerance 5e-3)"
          % (len(names), WD, worst_formula))
    sys.exit(0 if worst_formula <= 5e-3 else 1)
print("%d parameters: formula error %.2e lr (tolerance 5e-3), update vs official step1 %.2e lr "
      "(tolerance 0.1)" % (len(names), worst_formula, worst_golden))
sys.exit(0 if worst_formula <= 5e-3 and worst_golden <= 0.1 else 1)
