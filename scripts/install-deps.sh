#!/usr/bin/env bash
# Installs every Debian package amae needs on a fresh Debian 12 machine.
# Idempotent and non-interactive: does nothing when all are present.
set -euo pipefail

PACKAGES=(
  # Toolchain: MLIR/LLVM 22 from bookworm-security, clang + lld for fast
  # builds, ccache for rebuilds, lit/FileCheck from llvm-22-tools.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  cmake ninja-build ccache python3 libgtest-dev bc
  # libFuzzer and sanitizer runtimes for the parser fuzzers.
  libclang-rt-22-dev
  # The BLAS the large matmuls are handed to (amae-compile --blas): the
  # pthreads build, called per tile from the OpenMP threads (libomp) of the
  # generated code; the OpenMP build is PyTorch's in the benchmarks.
  libopenblas-pthread-dev libopenblas-openmp-dev libomp-22-dev
  # oneDNN: the GEMMs on prepacked inference weights (amae-compile --gemm=onednn).
  libdnnl-dev
  # Data-parallel training (amae-train under mpirun): Open MPI, loaded by
  # the runtime only under a launcher through libAmaeMPI.so.
  libopenmpi-dev openmpi-bin
  # Audio decoding and resampling.
  pkg-config libsndfile1-dev libsoxr-dev
  # Pictures: training curves and labelled reconstructions (cairo, with a
  # font for the labels); the tests read them back with Pillow.
  libcairo2-dev fonts-dejavu-core python3-pil
  # Test audio (spoken with espeak-ng, converted with sox) and the PyTorch
  # reference the front end is checked against.
  espeak-ng sox libsox-fmt-all python3-torchaudio python3-numpy
  # Checks that checkpoints are fsynced around their rename.
  strace
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
