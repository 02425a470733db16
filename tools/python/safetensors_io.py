"""Minimal safetensors reading and writing with numpy, for amae's scripts
and tests (no dependency beyond numpy; Debian has no python3-safetensors).

    from safetensors_io import read, write
    tensors = read("x.safetensors")            # name -> numpy array
    write("y.safetensors", {"imgs": array})    # float32 / int64 arrays
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        out[name] = np.frombuffer(body[begin:end], dtype=_DTYPES[meta["dtype"]]).reshape(meta["shape"])
    return out


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        # np.ascontiguousarray would turn a scalar into shape [1].
        value = np.asarray(value)
        if not value.flags.c_contiguous:
            value = np.ascontiguousarray(value)
        if value.dtype not in _NAMES:
            value = value.astype(np.float32)
        data = value.tobytes()
        header[name] = {"dtype": _NAMES[value.dtype], "shape": list(value.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def random_weights(manifest_path, graph, path, scale=0.02, seed=0):
    """Deterministic N(0, scale^2) weights for every parameter of `graph`."""
    g = next(g for g in json.load(open(manifest_path))["graphs"] if g["name"] == graph)
    rng = np.random.default_rng(seed)
    write(path, {p["name"]: (rng.standard_normal(p["shape"]) * scale).astype(np.float32)
                 for p in g["params"]})
    return g
