#!/usr/bin/env bash
# One fine-tuning (or, with BENCH_MODE=pretrain, pretraining) step of the base model (1024 x 128 input, ViT-B encoder,
# 527 classes, no token dropping): amae's compiled training loop
# (amae-train --batch-from: forward + backward graph, then the AdamW graph)
# against the same step in PyTorch (autograd + torch.optim.AdamW), on this
# machine, same weights and batch, 2 threads each. Prints both medians, the
# ratio, both first-step losses (which must agree) and both peak RSS.
# amae-train writes its checkpoint once, after the timed steps (with
# --batch-from every step is an epoch, and a 1.6 GB checkpoint written each
# step left the kernel's writeback competing with the next steps for the two
# cores: +9% per pretraining step). PyTorch's reference writes none.
#
#   bash bench/bench-train.sh [steps=5] [batch=2] [spec=bench/base-finetune.yaml] [heads=12]
#   BENCH_MODE=pretrain bash bench/bench-train.sh 3 4 bench/base-pretrain.yaml 12 16
#     a pretraining step instead (bench/pytorch_pretrain.py; the 5th argument
#     is the decoder's head count)
#   BENCH_OPENBLAS=native: OpenBLAS picks its kernels for this CPU (see
#   bench-infer.sh); AMAE_COMPILE_FLAGS: extra amae-compile flags;
#   BENCH_ROUNDS (default 2): the engines take turns, amae then PyTorch and
#   then the other way round, each round `steps` timed steps of each (a
#   shared machine drifts over minutes; see bench-infer.sh). Each round's
#   medians are printed; the summary is the median over the rounds, and the
#   peak RSS the largest.
set -euo pipefail
if [ "${BENCH_OPENBLAS:-}" = native ]; then
  unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
fi
# PyTorch runs on the OpenMP OpenBLAS (Debian's default BLAS for it is the
# slow netlib one; the pthreads build oversubscribes 2 cores).
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${AMAE_BUILD_DIR:-$root/build}/bin"
steps="${1:-5}"
batch="${2:-2}"
spec="${3:-$root/bench/base-finetune.yaml}"
heads="${4:-12}"
decoder_heads="${5:-16}"
mode="${BENCH_MODE:-finetune}"
case "$mode" in
  finetune) reference=("$root/bench/pytorch_train.py") ;;
  pretrain) reference=("$root/bench/pytorch_pretrain.py" --decoder-heads="$decoder_heads") ;;
  *) echo "BENCH_MODE must be finetune or pretrain, got '$mode'" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
"$bin/amae-compile" "$spec" --graphs="$mode" --batch="$batch" --grads --optimizer ${AMAE_COMPILE_FLAGS:-} -o "$work/model.so"
echo "compiled in $(( $(date +%s) - start )) s"
"$bin/amae-compile" "$spec" --graphs="$mode" --batch="$batch" --emit=manifest -o "$work/manifest.json"
PYTHONPATH="$root/tools/python" /usr/bin/python3 - "$work" "$mode" <<'PY'
import sys
from safetensors_io import random_weights
random_weights(sys.argv[1] + "/manifest.json", sys.argv[2], sys.argv[1] + "/weights.safetensors")
PY
/usr/bin/python3 "$root/test/Train/Inputs/make-batch.py" "$work/manifest.json" "$mode" "$work/batch.safetensors"

rounds="${BENCH_ROUNDS:-2}"
run_amae() {
  rm -rf "$work/run"
  /usr/bin/time -f %M -o "$work/amae.rss" \
    "$bin/amae-train" "$work/model.so" --mode="$mode" --batch-from="$work/batch.safetensors" \
    --init="$work/weights.safetensors" --out="$work/run" --steps=$((steps + 1)) --lr=1e-4 \
    --warmup=0 --save-every=$((steps + 1)) 2> /dev/null
  /usr/bin/python3 - "$work/run/log.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ms = sorted(1000 * r["seconds"] for r in rows[1:])
print("amae train step: %d steps, median %.1f ms, min %.1f ms, first loss %.6f"
      % (len(ms), ms[len(ms) // 2], ms[0], rows[0]["loss"]))
PY
  tail -1 "$work/amae.rss" >> "$work/amae.rss.all"
}
run_torch() {
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
    /usr/bin/time -f %M -o "$work/torch.rss" /usr/bin/python3 "${reference[@]}" "$work/weights.safetensors" \
    "$work/batch.safetensors" --steps="$steps" --threads=2 --heads="$heads"
  tail -1 "$work/torch.rss" >> "$work/torch.rss.all"
}
median() { echo "$1" | sed -E 's/.*median ([0-9.]+) ms.*/\1/'; }
a_all=""; t_all=""
for ((r = 1; r <= rounds; ++r)); do
  order=(amae torch)
  ((r % 2 == 0)) && order=(torch amae)
  line="round $r:"
  for e in "${order[@]}"; do
    out=$(run_$e)
    ((r == 1)) && echo "$out"
    [ $e = amae ] && a_all+="$(median "$out") " || t_all+="$(median "$out") "
    line+=" $e $(median "$out") ms"
  done
  echo "$line"
done
/usr/bin/python3 "$root/bench/rounds_summary.py" "$rounds" "$a_all" pytorch="$t_all"
# Peak RSS of each whole process (weights, optimizer state, data included),
# the largest over the rounds; amae-train also writes a checkpoint at the
# end, PyTorch does not.
ra=$(sort -n "$work/amae.rss.all" | tail -1); rt=$(sort -n "$work/torch.rss.all" | tail -1)
echo "peak rss: amae $((ra / 1024)) MB, pytorch $((rt / 1024)) MB, amae/pytorch $(echo "scale=2; $ra / $rt" | bc)"
