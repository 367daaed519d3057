#!/usr/bin/env bash
# Issue 18's "v1 beside v2" grids: the same seeds, targets, captions and sketch through the default pack as it was
# before issue 18 (v1: commit e01fc88, built and run with its own code) and as it is now (v2: this checkout), every
# method at each version's defaults. Writes PNGs and the JSON lines the commands print to docs/pack-v1-v2/; the model
# card's "v1 beside v2" section shows them. Both versions share the generator (item 3 needs a GPU).
# Usage: training/v1_v2_grids.sh [V1_COMMIT] (default e01fc88). About 25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
V1=${1:-e01fc88}
OUT=docs/pack-v1-v2
work=$(mktemp -d)
trap 'git worktree remove --force "$work/v1" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$work/v1" "$V1" >/dev/null
dotnet build "$work/v1/FaceWeb.Cli" -v q -nologo
dotnet build FaceWeb.Cli -v q -nologo
declare -A fw=([v1]="$work/v1/FaceWeb.Cli/bin/Debug/net10.0/linux-x64/faceweb" [v2]="FaceWeb.Cli/bin/Debug/net10.0/linux-x64/faceweb")
declare -A pack=([v1]="$work/v1/models/faceweb-mini" [v2]=models/faceweb-mini)
rm -rf "$OUT" && mkdir -p "$OUT"

# The issue's four captions (as a new user typed them), seeds 0-2.
captions=("a smiling young woman with blond hair" "an old man with a grey beard" "a middle-aged man wearing glasses" "a serious young man with black hair")
for v in v1 v2; do
  # Edits, before and after: every edit method Compare runs, at the version's defaults (v1: α 3; v2: α 0.9, β 0.12,
  # the guided optimisation). "old person" and "blond hair" are mapper names in both packs; v1's smile mapper was
  # called "smiling", so only v2 has a mapper cell for "a smiling face".
  "${fw[$v]}" compare --pack "${pack[$v]}" --seeds 0-1 --target "a smiling face" --target "old person" --target "blond hair" \
    --out "$work/$v-compare" | tail -n 1 > "$OUT/$v-compare.json"
  cp "$work/$v-compare/compare.png" "$OUT/$v-compare.png"

  # Text → face, every method the version has, each caption on seeds 0-2. v1's optimisation at the 100 steps
  # Create ran then; v2's default method is attributes.
  methods="optimise prior ssagan"; [ $v = v2 ] && methods="attributes $methods"
  for m in $methods; do
    steps=(); [ $m = optimise ] && steps=(--steps 100)
    for i in "${!captions[@]}"; do
      "${fw[$v]}" text2face --pack "${pack[$v]}" --text "${captions[$i]}" --method $m "${steps[@]}" --seeds 0-2 \
        --out "$work/$v-t2f-$m-$i" | tail -n 1 >> "$OUT/$v-text2face-$m.json"
      cp "$work/$v-t2f-$m-$i/grid.png" "$OUT/$v-text2face-$m-$i.png"
    done
  done

  # Sketch + caption: the drawn face of tests/data/sketches with a caption, at the version's defaults (v1: 200 steps
  # from seed 0's face; v2: the sketch encoder's face, then 100 steps of refinement).
  "${fw[$v]}" sketch2face --pack "${pack[$v]}" --sketch tests/data/sketches/drawn-face.png --text "a smiling woman" \
    --out "$work/$v-sketch" | tail -n 1 > "$OUT/$v-sketch2face.txt"
  cp "$work/$v-sketch/grid.png" "$OUT/$v-sketch2face.png"
done
# SSA-GAN (#19) is the same model in both packs: where v2's faces are byte-identical to v1's, keep v1's only.
for f in "$OUT"/v2-text2face-ssagan-*.png; do cmp -s "$f" "${f/v2-/v1-}" && rm "$f" && echo "$(basename "$f"): identical to v1's"; done
du -sh "$OUT"
