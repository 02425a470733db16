"""poison.py IN OUT NAME: copies a safetensors file with element 0 of NAME set to NaN."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "python"))
from safetensors_io import read, write  # noqa: E402

tensors = {k: np.array(v) for k, v in read(sys.argv[1]).items()}
tensors[sys.argv[3]].reshape(-1)[0] = np.nan
write(sys.argv[2], tensors)
