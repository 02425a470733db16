#!/usr/bin/env bash
# The main job on bundled data: compile the golden tiny configuration to a
# native shared library and run its three graphs. With the official golden
# vectors beside the repository (../shared/golden/tiny_s0) the graphs run on
# the official weights and inputs and are compared with the official
# outputs; without them the comparison is skipped. Last, speech made with
# espeak-ng runs through the audio front end and the infer graph.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"
bin="$build/bin"
out="$build/demo"
golden="$root/../shared/golden/tiny_s0"
mkdir -p "$out"

echo "== amae-compile test/Integration/Inputs/tiny-eval.yaml --batch=2 -o tiny.so =="
start=$(date +%s.%N)
"$bin/amae-compile" "$root/test/Integration/Inputs/tiny-eval.yaml" --batch=2 -o "$out/tiny.so"
printf "compiled in %.1f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
"$bin/amae-run" "$out/tiny.so" --list

run() { # graph weights outputs-to-compare...
  local graph=$1 weights=$2 io=$3; shift 3
  echo "== amae-run --graph=$graph (official weights and inputs) =="
  "$bin/amae-run" "$out/tiny.so" --graph="$graph" --weights="$golden/$weights" \
    --inputs="$golden/$io" -o "$out/$graph.safetensors" --repeat=20
  "$bin/amae-compare" "$out/$graph.safetensors" "$golden/$io" "$@" --rtol=1e-4
}
if [ -d "$golden" ]; then
  run infer finetune_weights.safetensors finetune_io.safetensors logits embedding=pooled_fc_norm_out
  run pretrain pretrain_weights.safetensors pretrain_io.safetensors loss pred mask ids_restore latent
  run finetune finetune_weights.safetensors finetune_io.safetensors loss=loss_masked logits=logits_masked
  weights="$golden/finetune_weights.safetensors"
else
  echo "no golden vectors at $golden: no comparison; the audio part uses synthetic weights"
  "$bin/amae-compile" "$root/test/Integration/Inputs/tiny-eval.yaml" --batch=2 --graphs=infer \
    --emit=manifest -o "$out/manifest.json"
  weights="$out/synthetic_weights.safetensors"
  PYTHONPATH="$root/tools/python" /usr/bin/python3 -c \
    "import sys; from safetensors_io import random_weights; random_weights(sys.argv[1], 'infer', sys.argv[2], scale=0.05)" \
    "$out/manifest.json" "$weights"
fi

echo "== audio: espeak-ng speech -> fbank -> infer (tiny model) =="
audio="$out/audio"
mkdir -p "$audio"
for word in zero one two three; do
  espeak-ng -w "$audio/$word.wav" "$word"
done
sox "$audio/three.wav" -r 44100 -c 2 "$audio/three-44k-stereo.flac"
printf 'index,mid,display_name\n' > "$audio/labels.csv"
for i in $(seq 0 9); do echo "$i,/m/$i,class $i of the tiny model" >> "$audio/labels.csv"; done
"$bin/amae-run" "$out/tiny.so" --weights="$weights" \
  "$audio"/*.wav "$audio"/*.flac --labels="$audio/labels.csv" --top-k=2 \
  --embeddings="$out/embeddings.safetensors"
"$bin/amae-convert" "$out/embeddings.safetensors" --list
