"""Writes the hostile audio files of the hardening issue into a directory:

  rate1.wav      a valid 16-bit WAV whose header says 1 Hz
  rate-max.wav   the same at 2147483647 Hz
  nan.wav        float WAV at 16 kHz, 1 s, one NaN sample at 0.25 s
  inf.wav        float WAV at 16 kHz, 1 s, +inf at sample 0 of channel 1
  huge.wav       float WAV at 16 kHz, 1 s, a finite -1.4e26 at 0.5 s
  empty.wav      zero bytes
  stream.wav     a WAV header claiming 2^31 bytes of data, followed by 1 s
                 (read through a pipe, the header cannot be checked)
  tone.wav       a clean 16 kHz 1 s tone
"""
import math
import os
import struct
import sys


def wav(path, rate, samples, channels=1, fmt="pcm16", data_size=None):
    if fmt == "pcm16":
        body = b"".join(struct.pack("<h", max(-32768, min(32767, int(s * 32767)))) for s in samples)
        tag, bits = 1, 16
    else:
        body = b"".join(struct.pack("<f", s) for s in samples)
        tag, bits = 3, 32
    block = channels * bits // 8
    size = len(body) if data_size is None else data_size
    header = b"RIFF" + struct.pack("<I", min(36 + size, 0xFFFFFFFF)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, tag, channels, rate, rate * block % 2**32, block, bits)
    header += b"data" + struct.pack("<I", size)
    with open(path, "wb") as f:
        f.write(header + body)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
tone = [0.3 * math.sin(2 * math.pi * 440 * i / 16000) for i in range(16000)]
wav(os.path.join(out, "rate1.wav"), 1, tone)
wav(os.path.join(out, "rate-max.wav"), 2147483647, tone)
nan = list(tone)
nan[4000] = float("nan")
wav(os.path.join(out, "nan.wav"), 16000, nan, fmt="float")
stereo = []
for s in tone:
    stereo += [s, s]
stereo[1] = float("inf")
wav(os.path.join(out, "inf.wav"), 16000, stereo, channels=2, fmt="float")
huge = list(tone)
huge[8000] = -1.4e26
wav(os.path.join(out, "huge.wav"), 16000, huge, fmt="float")
open(os.path.join(out, "empty.wav"), "wb").close()
wav(os.path.join(out, "stream.wav"), 16000, tone, data_size=2**31)
wav(os.path.join(out, "tone.wav"), 16000, tone)
