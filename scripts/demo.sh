#!/usr/bin/env bash
# The main job on bundled data. First, with the official golden vectors
# beside the repository (../shared/golden/tiny_s0), the golden tiny
# configuration is compiled and its three graphs run on the official weights
# and inputs and are compared with the official outputs. Then the
# spoken-digit demo (examples/digits/run.sh): a data set made with espeak-ng,
# pretraining, fine-tuning, held-out accuracy and reconstruction pictures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"
bin="$build/bin"
out="$build/demo"
golden="$root/../shared/golden/tiny_s0"
mkdir -p "$out"

run() { # graph weights outputs-to-compare...
  local graph=$1 weights=$2 io=$3; shift 3
  echo "== amae-run --graph=$graph (official weights and inputs) =="
  "$bin/amae-run" "$out/tiny.so" --graph="$graph" --weights="$golden/$weights" \
    --inputs="$golden/$io" -o "$out/$graph.safetensors" --repeat=20
  "$bin/amae-compare" "$out/$graph.safetensors" "$golden/$io" "$@" --rtol=1e-4
}
if [ -d "$golden" ]; then
  echo "== amae-compile test/Integration/Inputs/tiny-eval.yaml --batch=2 -o tiny.so =="
  start=$(date +%s.%N)
  "$bin/amae-compile" "$root/test/Integration/Inputs/tiny-eval.yaml" --batch=2 -o "$out/tiny.so"
  printf "compiled in %.1f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
  run infer finetune_weights.safetensors finetune_io.safetensors logits embedding=pooled_fc_norm_out
  run pretrain pretrain_weights.safetensors pretrain_io.safetensors loss pred mask ids_restore latent
  run finetune finetune_weights.safetensors finetune_io.safetensors loss=loss_masked logits=logits_masked
else
  echo "no golden vectors at $golden: the comparison with the official model is skipped"
fi

echo
echo "== the spoken-digit demo: pretrain, fine-tune, evaluate on held-out voices =="
AMAE_BIN="$bin" bash "$root/examples/digits/run.sh" "$out/digits"
