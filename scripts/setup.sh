#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds amae and runs the main job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
start=$(date +%s)
"$root/scripts/build.sh"
echo "build: $(( $(date +%s) - start )) s"
"$root/scripts/demo.sh"
