#!/usr/bin/env bash
# The main job on bundled data. For now: verify and canonicalize the
# hand-written tiny decoder block and print its IR.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"

echo "== amae-opt examples/tiny-decoder-block.mlir -canonicalize =="
"$build/bin/amae-opt" "$root/examples/tiny-decoder-block.mlir" -canonicalize \
  --mlir-elide-elementsattrs-if-larger=8
