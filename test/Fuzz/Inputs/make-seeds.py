"""Small seed inputs for the audio and data-list fuzzers: make-seeds.py AUDIO_DIR LIST_DIR.

Short WAVs (16-bit mono 16 kHz, stereo 8 kHz, 32-bit float 44.1 kHz) fit the
fuzzers' max_len; the lists cover quotes, several labels, comments, headers
and AudioSet's class_labels_indices.csv.
"""
import math
import os
import struct
import sys
import wave

audio, lists = sys.argv[1:3]
os.makedirs(audio, exist_ok=True)
os.makedirs(lists, exist_ok=True)
for name, rate, channels, frames in [("a.wav", 16000, 1, 800), ("b.wav", 8000, 2, 400)]:
    w = wave.open(os.path.join(audio, name), "wb")
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.1))) for i in range(frames * channels)))
    w.close()
# IEEE float (format tag 3), which can hold NaN.
body = b"".join(struct.pack("<f", 0.3 * math.sin(i * 0.05)) for i in range(1000))
header = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE"
header += b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, 44100, 44100 * 4, 4, 32)
header += b"data" + struct.pack("<I", len(body))
with open(os.path.join(audio, "c.wav"), "wb") as f:
    f.write(header + body)
with open(os.path.join(lists, "list.csv"), "w") as f:
    f.write('file,label\nx.wav,"a;b"\ny.flac,12\n# comment\nz.ogg\n')
with open(os.path.join(lists, "classes.csv"), "w") as f:
    f.write('index,mid,display_name\n0,/m/09x0r,"Speech"\n1,/m/05tny_,"Dog, bark"\n')
