"""16-bit PCM mono WAV -> safetensors tensor `wave` (float32, the official
mean removal applied), as the front end graph takes it."""
import json
import struct
import sys
import wave

import numpy as np

w = wave.open(sys.argv[1])
x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
x = (x - x.mean()).astype(np.float32)
data = x.tobytes()
header = json.dumps({"wave": {"dtype": "F32", "shape": [len(x)], "data_offsets": [0, len(data)]}}).encode()
header += b" " * ((8 - len(header) % 8) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(header)) + header + data)
