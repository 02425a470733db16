"""Writes the hostile checkpoints of the hardening issue into a directory:

  dup.safetensors        a header that names tensor 'w' twice (once escaped)
  pickle4.pkl            pickle.dumps of a dict at protocol 4, no zip around it
  nan.safetensors        a valid file whose 'w' holds a NaN
  notes.txt              a file that is no checkpoint
"""
import json
import os
import pickle
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def safetensors(path, header_text, data):
    header_text += " " * ((8 - len(header_text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_text)) + header_text.encode() + data)


data = np.arange(4, dtype=np.float32).tobytes()
safetensors(os.path.join(out, "dup.safetensors"),
            '{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, '
            '"\\u0077": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', data)
with open(os.path.join(out, "pickle4.pkl"), "wb") as f:
    f.write(pickle.dumps({"w": [1.0, 2.0]}, protocol=4))
nan = np.array([1, 2, np.nan, 4], np.float32).tobytes()
safetensors(os.path.join(out, "nan.safetensors"),
            json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}), nan)
with open(os.path.join(out, "notes.txt"), "w") as f:
    f.write("my notes\n")
