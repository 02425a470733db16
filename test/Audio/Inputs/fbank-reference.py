"""Compares amae's fbank with torchaudio's on the same files.

Usage: fbank-reference.py [--image FRAMES MEAN STD] [--above TOL] AMAE_FBANK.safetensors AUDIO...
Computes torchaudio.compliance.kaldi.fbank with AudioMAE's settings (the
file's own rate, mean removal over all channels, channel 0) and checks
tensor fbank.<i> of the amae output: within 1e-4 absolute where the log-mel
value is above -10, within 1e-3 everywhere (near the log floor float32
rounding of tiny powers is amplified; torchaudio itself moves by 1e-4 there
between thread counts). Prints one line per file and exits 1 on a miss.

With --image, fbank.<i> is a model input image (a compiled front end's):
the official zero padding or cropping to FRAMES and (x - MEAN) / (2 STD),
which is undone before the same comparison. --above replaces the 1e-4.
"""
import os
import sys

import numpy as np
import torch
import torchaudio

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import read  # noqa: E402

torch.set_num_threads(1)


args = sys.argv[1:]
image = None
if args[0] == "--image":
    image = (int(args[1]), float(args[2]), float(args[3]))
    args = args[4:]
above_tol = 1e-4
if args[0] == "--above":
    above_tol = float(args[1])
    args = args[2:]
ours = read(args[0])
failures = 0
for i, path in enumerate(args[1:]):
    wave, sr = torchaudio.load(path)
    wave = wave - wave.mean()
    ref = torchaudio.compliance.kaldi.fbank(
        wave, htk_compat=True, sample_frequency=sr, use_energy=False,
        window_type="hanning", num_mel_bins=128, dither=0.0, frame_shift=10).numpy()
    got = ours["fbank.%d" % i]
    if image:
        frames, mean, std = image
        padded = np.zeros((frames, ref.shape[1]), dtype=np.float32)
        padded[:min(frames, ref.shape[0])] = ref[:frames]
        ref = padded
        got = got.astype(np.float64) * (2 * std) + mean
    if got.shape != ref.shape:
        print("FAIL %s: shape %s, torchaudio %s" % (path, got.shape, ref.shape))
        failures += 1
        continue
    err = np.abs(got - ref)
    above = err[ref > -10].max() if (ref > -10).any() else 0.0
    ok = above <= above_tol and err.max() <= 1e-3
    failures += not ok
    print("%s %s: %d frames at %d Hz, max error %.2e above -10, %.2e everywhere" %
          ("ok  " if ok else "FAIL", path.split("/")[-1], ref.shape[0], sr, above, err.max()))
sys.exit(1 if failures else 0)
