#!/usr/bin/env bash
# Configures (once) and builds amae into ./build with clang-22, lld, ccache
# and ninja. Extra arguments go to ninja (e.g. a target name).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"

if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld "${launcher[@]}"
fi
ninja -C "$build" "$@"
