#!/usr/bin/env bash
# Base-model inference (1024 x 128 input, ViT-B encoder, batch 1): amae's
# compiled graph against the same forward in PyTorch, on this machine, in
# the same run, with the same random weights; prints both and their ratio,
# and checks that the two agree (1e-4 relative).
#
#   bash bench/bench-infer.sh [repeat=5] [spec=examples/base.yaml]
set -euo pipefail
# PyTorch runs on the OpenMP OpenBLAS (Debian's default BLAS for it is the
# slow netlib one; the pthreads build oversubscribes 2 cores).
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${AMAE_BUILD_DIR:-$root/build}/bin"
repeat="${1:-5}"
spec="${2:-$root/examples/base.yaml}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin/amae-compile" "$spec" --graphs=infer -o "$work/model.so"
"$bin/amae-compile" "$spec" --graphs=infer --emit=manifest -o "$work/manifest.json"
PYTHONPATH="$root/tools/python" /usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
from safetensors_io import random_weights, write
work = sys.argv[1]
g = random_weights(work + "/manifest.json", "infer", work + "/weights.safetensors")
write(work + "/inputs.safetensors",
      {"imgs": np.random.default_rng(1).standard_normal(g["inputs"][0]["shape"]).astype(np.float32)})
PY
amae=$("$bin/amae-run" "$work/model.so" --graph=infer --weights="$work/weights.safetensors" \
        --inputs="$work/inputs.safetensors" -o "$work/amae.safetensors" --repeat="$repeat")
echo "amae    $amae"
torch=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
        /usr/bin/python3 "$root/bench/pytorch_infer.py" \
        "$work/weights.safetensors" "$work/inputs.safetensors" "$work/torch.safetensors" \
        --repeat="$repeat" --threads=2)
echo "$torch"
"$bin/amae-compare" "$work/amae.safetensors" "$work/torch.safetensors" logits embedding
a=$(echo "$amae" | sed -E 's/.*median ([0-9.]+) ms.*/\1/')
t=$(echo "$torch" | sed -E 's/.*median ([0-9.]+) ms.*/\1/')
echo "ratio amae/pytorch (median): $(echo "scale=2; $a / $t" | bc)"
