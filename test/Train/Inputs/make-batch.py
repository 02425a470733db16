"""Writes one fixed training batch for `amae-train --batch-from`.

  make-batch.py MANIFEST.json GRAPH OUT.safetensors [--nan]

Every input of GRAPH gets a value: imgs ~ N(0, 1) with some structure (a
smooth ramp per row, so there is something to learn), labels one-hot by row,
noise inputs uniform in [0, 1), seed 7; inputs with a default keep it. With --nan one image pixel is NaN.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import write  # noqa: E402

manifest, graph_name, out = sys.argv[1:4]
graph = next(g for g in json.load(open(manifest))["graphs"] if g["name"] == graph_name)
rng = np.random.default_rng(0)
tensors = {}
for spec in graph["inputs"]:
    name, shape = spec["name"], spec["shape"]
    if name == "imgs":
        n, _, t, f = shape
        ramp = np.linspace(-1, 1, t)[:, None] * np.cos(np.linspace(0, 3, f))[None, :]
        x = ramp[None, None] * (1 + np.arange(n))[:, None, None, None] + 0.3 * rng.standard_normal(shape)
        if "--nan" in sys.argv:
            x[0, 0, 0, 0] = np.nan
        tensors[name] = x.astype(np.float32)
    elif name == "labels":
        labels = np.zeros(shape, np.float32)
        labels[np.arange(shape[0]), np.arange(shape[0]) % shape[1]] = 1
        tensors[name] = labels
    elif name == "seed":
        tensors[name] = np.array(7, dtype=np.int64)
    elif "default" in spec:
        continue  # left to the graph (first_sample: 0)
    else:
        tensors[name] = rng.random(shape, dtype=np.float32)
write(out, tensors)
