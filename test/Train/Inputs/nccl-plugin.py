"""Loads libAmaeNCCL.so and opens a one-rank NCCL communicator on device 0.

  nccl-plugin.py PLUGIN   # prints "opened" (and allreduces nothing), or the
                          # plugin's error, which must name the cause
"""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
Broadcast = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.c_char_p, ctypes.c_size_t)
# One rank: rank 0 makes the unique id and has no one to send it to.
broadcast = Broadcast(lambda context, data, size, err, errlen: 0)
err = ctypes.create_string_buffer(1024)
nccl = ctypes.c_void_p()
if lib.amae_nccl_open(0, 1, 0, broadcast, None, ctypes.byref(nccl), err, len(err)) == 0:
    print("opened")
    lib.amae_nccl_close(nccl)
else:
    print("error: " + err.value.decode())
