"""Writes torch.save-shaped zips with hostile or malformed pickles.

Needs only the standard library: /usr/bin/python3 make-hostile-pth.py OUTDIR
"""
import os
import pickle
import struct
import sys
import zipfile

out = sys.argv[1]


def archive(name, pkl, storages=None, compress=False):
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(os.path.join(out, name), "w", method) as z:
        z.writestr("archive/data.pkl", pkl)
        for key, data in (storages or {}).items():
            z.writestr("archive/data/" + key, data)


def tensor_pickle(storage_type=b"FloatStorage", numel=4, size=(2, 2),
                  stride=(2, 1), offset=0):
    """{'model': {'w': _rebuild_tensor_v2(storage, offset, size, stride)}}."""
    p = b"\x80\x02}q\x00X\x05\x00\x00\x00modelq\x01}q\x02X\x01\x00\x00\x00w"
    p += b"ctorch._utils\n_rebuild_tensor_v2\n("
    p += b"(X\x07\x00\x00\x00storagectorch\n" + storage_type + b"\n"
    p += b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpu" + b"J" + struct.pack("<i", numel)
    p += b"tQ" + b"J" + struct.pack("<i", offset)
    p += b"(" + b"".join(b"J" + struct.pack("<i", s) for s in size) + b"t"
    p += b"(" + b"".join(b"J" + struct.pack("<i", s) for s in stride) + b"t"
    p += b"\x89)tRss."
    return p


floats = struct.pack("<4f", 1, 2, 3, 4)
archive("ok.pth", tensor_pickle(), {"0": floats})
# Code execution attempt: os.system('touch PWNED') via GLOBAL + REDUCE. It
# must stay an inert object; the file has no tensors.
evil = (b"\x80\x02}X\x05\x00\x00\x00model}sX\x01\x00\x00\x00x"
        b"cos\nsystem\nX\x0b\x00\x00\x00touch PWNED\x85Rs.")
archive("exec.pth", evil)
archive("bad-opcode.pth", b"\x80\x02}\xff.")
archive("no-stop.pth", b"\x80\x02}")
archive("underflow.pth", b"\x80\x02s.")
archive("bad-memo.pth", b"\x80\x02h\x07.")
archive("string-past-end.pth", b"\x80\x02X\xff\xff\xff\x7fabc.")
archive("big-int.pth", b"\x80\x02\x8a\x10" + b"\x01" * 16 + b".")
archive("storage-short.pth", tensor_pickle(numel=8, size=(2, 4), stride=(4, 1)), {"0": floats})
archive("view-past-storage.pth", tensor_pickle(size=(2, 2), stride=(3, 1)), {"0": floats})
archive("negative-offset.pth", tensor_pickle(offset=-1), {"0": floats})
archive("bad-storage-type.pth", tensor_pickle(storage_type=b"ComplexFloatStorage"), {"0": floats})
archive("missing-storage.pth", tensor_pickle(), {})
archive("compressed.pth", tensor_pickle(), {"0": floats}, compress=True)
archive("not-a-dict.pth", b"\x80\x02]q\x00.")
with zipfile.ZipFile(os.path.join(out, "no-pickle.pth"), "w") as z:
    z.writestr("weights.bin", floats)
# A legacy (pre-1.6) torch.save file: a bare pickle stream.
with open(os.path.join(out, "legacy.pth"), "wb") as f:
    f.write(pickle.dumps({"model": {}}, protocol=2))
