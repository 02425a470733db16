"""Checks of the amae Python package, run by python-package.test.

  package.py MODEL.so GOLDEN_DIR WORK_DIR
"""
import os
import sys
import wave

import numpy as np

import amae

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import read  # noqa: E402

lib, golden, work = sys.argv[1:4]
model = amae.Model(lib, threads=2)
print("graphs", sorted(model.graphs))

# Any graph by name, numpy in and out, against the official outputs.
io = read(golden + "/finetune_io.safetensors")
infer = model.bind("infer", golden + "/finetune_weights.safetensors")
out = infer.run(imgs=io["imgs"])
want = io["logits"]
err = float(np.abs(out["logits"] - want).max() / np.abs(want).max())
print("infer logits", out["logits"].shape, "relative error below 1e-4:", err < 1e-4)

# Audio files to embeddings and labels: a tone written with the standard
# library, the same front end as amae-run (compared by the lit test).
rate = 16000
t = np.arange(rate, dtype=np.float64) / rate
tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
for name, data in [("tone.wav", tone), ("quiet.wav", tone // 8)]:
    with wave.open(os.path.join(work, name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
files = [os.path.join(work, n) for n in ["tone.wav", "quiet.wav", "tone.wav"]]
emb = model.embed(files, golden + "/finetune_weights.safetensors")
print("embeddings", emb.shape, "same file twice equal:", bool(np.array_equal(emb[0], emb[2])))
np.save(os.path.join(work, "embeddings.npy"), emb)
labels = ["class%d" % i for i in range(10)]
top = model.classify(files[:1], golden + "/finetune_weights.safetensors", labels=labels, top_k=3)
print("top3", len(top[0]), all(0 < p < 1 for _, p in top[0]), top[0][0][1] >= top[0][1][1])

# Training steps: the compiled AdamW step updates the bound parameters and
# the moments in place; the first step is saved for the lit test to compare
# with amae-train's.
step = amae.AdamW(model, "finetune", work + "/weights.safetensors", lr=1e-3)
batch = read(work + "/batch.safetensors")
losses = [step(batch) for _ in range(3)]
print("losses finite and falling:", all(np.isfinite(losses)), losses[2] < losses[0])
step1 = amae.AdamW(model, "finetune", work + "/weights.safetensors", lr=1e-3)
before = step1.params["blocks.0.attn.qkv.weight"].copy()
step1(batch)
print("parameters moved in place:",
      not np.array_equal(before, step1.train.param("blocks.0.attn.qkv.weight")))
step1.save(work + "/python-step.safetensors")


def error(fn):
    try:
        fn()
    except amae.Error as e:
        return str(e)
    return "no error"


print("E1", error(lambda: infer.run(imgs=np.zeros((3, 3), np.float32))))
print("E2", error(lambda: infer.run(images=io["imgs"])))
print("E3", error(lambda: model.bind("decode", golden + "/finetune_weights.safetensors")))
print("E4", error(lambda: model.bind("infer", golden + "/pretrain_weights.safetensors")))
print("E5", error(lambda: amae.Model(work + "/missing.so")))
print("E6", error(lambda: model.classify(files[:1], golden + "/finetune_weights.safetensors",
                                          labels=["a", "b"])))
print("E7", error(lambda: model.audio_images([work + "/missing.wav"], 128, 64)))
# An output that overlaps an input it may not overwrite is refused, in
# place or not.
x = np.ascontiguousarray(io["imgs"])
outs = [x.reshape(-1)[:20].reshape(2, 10), np.empty((2, 64), np.float32)]
print("E8", error(lambda: infer._call([x], outs, in_place=True)))
print("E9", error(lambda: infer._call([x], outs, in_place=False)))
