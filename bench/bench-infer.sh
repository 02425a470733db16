#!/usr/bin/env bash
# Base-model inference (1024 x 128 input, ViT-B encoder): amae's compiled
# graph, ONNX Runtime and PyTorch side by side, on this machine, in the same
# run, with the same random weights and input, 2 threads each; prints the
# medians and the ratios and checks that all three agree (1e-4 relative).
#
#   bash bench/bench-infer.sh [repeat=5] [spec=examples/base.yaml] [batch=1]
#   AMAE_COMPILE_FLAGS="--fuse=false" bash bench/bench-infer.sh   # compile flags
#   BENCH_ROUNDS=5 bash bench/bench-infer.sh   # rounds (default 3)
#
# The engines take turns: BENCH_ROUNDS rounds, each running all three with
# `repeat` timed runs, in the order amae, PyTorch, ONNX Runtime and then
# reversed. On a shared machine the clock and the neighbours drift over a
# minute; one engine after the other puts the drift into the ratio (ONNX
# Runtime's b1 median moved 621 -> 728 ms between two runs of the script,
# amae's 572 -> 580, on one afternoon). Each round's medians and ratios are
# printed; the summary is the median over the rounds.
#
# ONNX Runtime is the npm package onnxruntime-node 1.30 (installed under
# bench/node_modules on first use; its CPU library ships inside the
# package), running the PyTorch reference exported with torch.onnx.export
# (opset 17). Without node/npm the ONNX Runtime column is left out.
#
# BLAS kernels: amae and PyTorch both use OpenBLAS, which honours
# OPENBLAS_CORETYPE. Some machines set it in the environment (older
# OpenBLAS builds misbehave on some CPUs); BENCH_OPENBLAS=native unsets it
# (and OPENBLAS_L2_SIZE) for this run so that OpenBLAS picks the kernels for
# this CPU, for both engines alike. The kernels used are printed.
set -euo pipefail
if [ "${BENCH_OPENBLAS:-}" = native ]; then
  unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
fi
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${AMAE_BUILD_DIR:-$root/build}/bin"
repeat="${1:-5}"
spec="${2:-$root/examples/base.yaml}"
batch="${3:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin/amae-compile" "$spec" --graphs=infer --batch="$batch" ${AMAE_COMPILE_FLAGS:-} -o "$work/model.so"
"$bin/amae-compile" "$spec" --graphs=infer --batch="$batch" --emit=manifest -o "$work/manifest.json"
PYTHONPATH="$root/tools/python" /usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
from safetensors_io import random_weights, write
work = sys.argv[1]
g = random_weights(work + "/manifest.json", "infer", work + "/weights.safetensors")
write(work + "/inputs.safetensors",
      {"imgs": np.random.default_rng(1).standard_normal(g["inputs"][0]["shape"]).astype(np.float32)})
PY
kernels() { sed -n 's/^Core: */openblas kernels: /p' "$1" | head -1; }
median() { echo "$1" | sed -E 's/.*median ([0-9.]+) ms.*/\1/'; }
rounds="${BENCH_ROUNDS:-3}"
ort_model=""
if command -v node > /dev/null && command -v npm > /dev/null; then
  ort_model="$work/model.onnx"
  if [ ! -d "$root/bench/node_modules/onnxruntime-node" ]; then
    (cd "$root/bench" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
       --no-save --silent onnxruntime-node@1.30.0 > /dev/null)
  fi
fi
run_amae() {
  OPENBLAS_VERBOSE=2 "$bin/amae-run" "$work/model.so" --graph=infer \
    --weights="$work/weights.safetensors" --inputs="$work/inputs.safetensors" \
    -o "$work/amae.safetensors" --repeat="$repeat" 2> "$work/amae.err"
}
# PyTorch runs on the OpenMP OpenBLAS (Debian's default BLAS for it is the
# slow netlib one; the pthreads build oversubscribes 2 cores). Its first run
# (round 1 runs it before ONNX Runtime) exports the ONNX model.
run_torch() {
  local export=""
  [ -n "$ort_model" ] && [ ! -f "$ort_model" ] && export="--export-onnx=$ort_model"
  OPENBLAS_VERBOSE=2 LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    OMP_NUM_THREADS=2 /usr/bin/python3 -W ignore "$root/bench/pytorch_infer.py" \
    "$work/weights.safetensors" "$work/inputs.safetensors" "$work/torch.safetensors" \
    --repeat="$repeat" --threads=2 $export 2> "$work/torch.err" ||
    { cat "$work/torch.err" >&2; exit 1; }
}
run_ort() {
  NODE_PATH="$root/bench/node_modules" node "$root/bench/ort_infer.mjs" "$ort_model" \
    "$work/inputs.safetensors" "$work/ort.safetensors" --repeat="$repeat" --threads=2
}
engines=(amae torch)
[ -n "$ort_model" ] && engines+=(ort)
declare -A times
for ((r = 1; r <= rounds; ++r)); do
  order=("${engines[@]}")
  if ((r % 2 == 0)); then
    order=(); for ((i = ${#engines[@]} - 1; i >= 0; --i)); do order+=("${engines[i]}"); done
  fi
  line="round $r:"
  for e in "${order[@]}"; do
    out=$(run_$e)
    ((r == 1)) && case $e in
      amae) echo "amae    $out; $(kernels "$work/amae.err")" ;;
      torch) echo "$out; $(kernels "$work/torch.err")" ;;
      ort) echo "$out" ;;
    esac
    times[$e]+="$(median "$out") "
    line+=" $e $(median "$out") ms"
  done
  echo "$line"
done
"$bin/amae-compare" "$work/amae.safetensors" "$work/torch.safetensors" logits embedding
[ -n "$ort_model" ] &&
  "$bin/amae-compare" "$work/amae.safetensors" "$work/ort.safetensors" logits embedding
/usr/bin/python3 "$root/bench/rounds_summary.py" "$rounds" "${times[amae]}" \
  pytorch="${times[torch]}" onnxruntime="${times[ort]:-}"
