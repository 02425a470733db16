#!/usr/bin/env bash
# Peak memory and time of one compiled pretraining step (loss + all
# gradients) in four builds of the same graph:
#   all-live   every buffer lives for the whole graph, every activation stored
#              (--shrink-buffer-lifetimes=false --recompute=none)
#   shrink     buffers allocated at first use, freed after last use (--recompute=none)
#   activations  shrink + each GELU's and layer norm's output recomputed (the default)
#   recompute  shrink + each block's forward recomputed in the backward (--recompute=blocks)
# Peak RSS is for the whole amae-run process (weights and inputs included);
# time is the median of the repeated runs.
#
#   bash bench/bench-train-memory.sh [spec=bench/mid.yaml] [batch=4] [repeat=3]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${AMAE_BUILD_DIR:-$root/build}/bin"
spec="${1:-$root/bench/mid.yaml}"
batch="${2:-4}"
repeat="${3:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin/amae-compile" "$spec" --graphs=pretrain --batch="$batch" --emit=manifest -o "$work/manifest.json"
PYTHONPATH="$root/tools/python" /usr/bin/python3 - "$work" <<'PY'
import sys
from safetensors_io import random_weights
random_weights(sys.argv[1] + "/manifest.json", "pretrain", sys.argv[1] + "/weights.safetensors")
PY
/usr/bin/python3 "$root/test/Train/Inputs/make-batch.py" "$work/manifest.json" pretrain "$work/inputs.safetensors"

measure() { # name compile-flags...
  local name=$1; shift
  local start end
  start=$(date +%s)
  "$bin/amae-compile" "$spec" --graphs=pretrain --batch="$batch" --grads "$@" -o "$work/$name.so"
  end=$(date +%s)
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$bin/amae-run" "$work/$name.so" --graph=pretrain \
    --weights="$work/weights.safetensors" --inputs="$work/inputs.safetensors" \
    -o "$work/$name.out.safetensors" --repeat="$repeat" > "$work/$name.time"
  printf "%-11s peak RSS %6.0f MiB   %s   (compiled in %d s)\n" "$name" \
    "$(echo "$(cat "$work/$name.rss") / 1024" | bc -l)" "$(cat "$work/$name.time")" $((end - start))
}
measure all-live --shrink-buffer-lifetimes=false --recompute=none
measure shrink --recompute=none
measure activations
measure recompute --recompute=blocks
for other in shrink activations recompute; do
  "$bin/amae-compare" "$work/$other.out.safetensors" "$work/all-live.out.safetensors" \
    --all-with-prefix= --rtol=0 --atol=0 > "$work/$other.cmp" || true
  echo "$other vs all-live: $(grep -c '^ok' "$work/$other.cmp") of $(wc -l < "$work/$other.cmp") outputs bit-identical"
done
