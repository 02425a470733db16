#!/usr/bin/env bash
# The main job on bundled data. For now: compile the golden tiny spec to amae
# IR and show each graph's signature and the decoder's window attention.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"
out="$build/demo"
mkdir -p "$out"

echo "== amae-compile examples/tiny.yaml --emit=amae --batch=2 =="
"$build/bin/amae-compile" "$root/examples/tiny.yaml" --emit=amae --batch=2 -o "$out/tiny.mlir"
echo "wrote $out/tiny.mlir ($(grep -c '' "$out/tiny.mlir") lines)"
for graph in infer pretrain finetune; do
  sig=$(grep -o "func.func @$graph(.*" "$out/tiny.mlir")
  inputs=$(echo "$sig" | grep -o 'amae.input = "[a-z_]*"' | cut -d'"' -f2 | paste -sd, -)
  params=$(echo "$sig" | grep -o 'amae.param = ' | wc -l)
  outputs=$(echo "$sig" | grep -o 'amae.output = "[a-z_]*"' | cut -d'"' -f2 | paste -sd, -)
  echo "  @$graph: inputs [$inputs], $params parameters, outputs [$outputs]"
done
echo "== the decoder's shifted-window attention =="
grep -o "amae.window_attention .*" "$out/tiny.mlir" | sed -e 's/ : (.*//' | head -2
echo "== amae-opt -canonicalize examples/tiny-decoder-block.mlir (folded constants elided) =="
"$build/bin/amae-opt" "$root/examples/tiny-decoder-block.mlir" -canonicalize \
  --mlir-elide-elementsattrs-if-larger=8 | head -8
