"""16-bit PCM mono WAV -> safetensors tensor `wave` (float32, the official
mean removal applied), as the front end graph takes it."""
import os
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import write  # noqa: E402

w = wave.open(sys.argv[1])
x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
write(sys.argv[2], {"wave": (x - x.mean()).astype(np.float32)})
