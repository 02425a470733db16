"""Writes float32 vectors to a safetensors file: write-tensors.py OUT name=v,v,..."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import write  # noqa: E402

out = sys.argv[1]
tensors = {}
for arg in sys.argv[2:]:
    name, values = arg.split("=")
    tensors[name] = np.array([float(v) for v in values.split(",")], np.float32)
write(out, tensors)
