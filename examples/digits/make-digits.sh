#!/usr/bin/env bash
# A small spoken-digit data set made with espeak-ng:
#   OUT/train/<d>/*.wav    5 accents x 4 voice variants x 3 speeds, pitch varied
#   OUT/heldout/<d>/*.wav  2 other accents x 2 other voice variants x 3 speeds
# (d = 0..9). No held-out speaker (accent + variant) is in the training set.
# Usage: make-digits.sh OUT
set -euo pipefail
out=${1:?usage: make-digits.sh OUT}
words=(zero one two three four five six seven eight nine)
train_accents=(en-gb en-us en-gb-scotland en-gb-x-rp en-029)
train_variants=("" +m1 +f1 +m3)
heldout_accents=(en-gb-x-gbclan en-gb-x-gbcwmd)
heldout_variants=(+f3 +m7)
speeds=(120 150 185)
pitches=(30 45 60 75)

make() { # split accents... -- variants...
  local split=$1; shift
  local accents=() variants=()
  while [ "$1" != "--" ]; do accents+=("$1"); shift; done; shift
  variants=("$@")
  local n=0
  for d in "${!words[@]}"; do
    mkdir -p "$out/$split/$d"
    for accent in "${accents[@]}"; do
      for variant in "${variants[@]}"; do
        for speed in "${speeds[@]}"; do
          pitch=${pitches[$(( (n * 7 + d) % ${#pitches[@]} ))]}
          n=$((n + 1))
          espeak-ng -v "$accent$variant" -s "$speed" -p "$pitch" \
            -w "$out/$split/$d/${accent}${variant}-s$speed-p$pitch.wav" "${words[$d]}"
        done
      done
    done
  done
}
rm -rf "$out/train" "$out/heldout"
make train "${train_accents[@]}" -- "${train_variants[@]}"
make heldout "${heldout_accents[@]}" -- "${heldout_variants[@]}"
echo "$(find "$out/train" -name '*.wav' | wc -l) training clips," \
     "$(find "$out/heldout" -name '*.wav' | wc -l) held-out clips in $out"
