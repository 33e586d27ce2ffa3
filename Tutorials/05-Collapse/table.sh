#!/usr/bin/env bash
# Chapter 5's remedy table: every remedy on the dense Bernoulli VAE (chapter 3's) and on seed 001's conv
# VAE (Gaussian; 10,000 training images), and three of them on the dense VAE whose decoder also sees
# the pixel rows above; three seeds each, one run at a time. Then the table (mean ± standard error
# over the seeds) and the figures. Runs already in the sweep folder are not repeated, so the script can be
# stopped and started again.
#
#   Tutorials/05-Collapse/table.sh                  # the sweep, the table, the figures
#   SEEDS="1 2" DENSE_EPOCHS=2 Tutorials/05-Collapse/table.sh   # a shorter one
#   PARTS=celeba SEEDS=2 THREADS=1 Tutorials/05-Collapse/table.sh   # only the faces, one seed, one thread
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"1 2 3"}
DENSE_EPOCHS=${DENSE_EPOCHS:-5}
CONV_EPOCHS=${CONV_EPOCHS:-3}
CONV_LIMIT=${CONV_LIMIT:-10000}
CELEBA_EPOCHS=${CELEBA_EPOCHS:-2}
SWEEP=${SWEEP:-runs/collapse-table}
PARTS=${PARTS:-"mnist celeba"}   # mnist: the dense, rows and conv models; celeba: seed 000's face model
swift build -c release --product collapse >/dev/null
BIN=.build/release/collapse

run() {  # run <name> <args…>: one training, skipped when its summary.json exists
    local name=$1; shift
    if [[ -f "$SWEEP/$name/summary.json" ]]; then return; fi
    echo "== $name: collapse $*"
    "$BIN" "$@" ${THREADS:+--threads "$THREADS"} --out "$SWEEP/$name" > "$SWEEP/$name.log" 2>&1 || { echo "failed: see $SWEEP/$name.log"; exit 1; }
    grep -E "^(test ELBO|KL =|active units)" "$SWEEP/$name.log" | sed 's/^/   /'
}

mkdir -p "$SWEEP"
if [[ " $PARTS " == *" mnist "* ]]; then
for seed in $SEEDS; do
    dense=(--model dense --epochs "$DENSE_EPOCHS" --seed "$seed" --iw 1000 --iw-images 500 --mi-images 5000)
    run "dense-plain-s$seed"       "${dense[@]}" --remedy plain
    run "dense-beta4-s$seed"       "${dense[@]}" --remedy beta --beta 4
    run "dense-warmup-s$seed"      "${dense[@]}" --remedy warm-up
    run "dense-cyclical-s$seed"    "${dense[@]}" --remedy cyclical
    run "dense-freebits0.5-s$seed" "${dense[@]}" --remedy free-bits --free-bits 0.5
    run "dense-freebits1-s$seed"   "${dense[@]}" --remedy free-bits --free-bits 1
done
# The decoder that sees the rows above: the first seed before the conv sweep, the others after it.
rows() {
    local seed=$1
    local args=(--model rows --epochs "$DENSE_EPOCHS" --seed "$seed" --mi-images 5000)
    run "rows-plain-s$seed"        "${args[@]}" --remedy plain
    run "rows-warmup-s$seed"       "${args[@]}" --remedy warm-up
    run "rows-freebits1-s$seed"    "${args[@]}" --remedy free-bits --free-bits 1
}
FIRST=${SEEDS%% *}
rows "$FIRST"
conv() {
    local seed=$1 name=$2; shift 2
    run "conv-$name-s$seed" --model conv --epochs "$CONV_EPOCHS" --limit "$CONV_LIMIT" --seed "$seed" --mi-images 5000 "$@"
}
# The conv VAE: the collapse (plain, β = 4) and the learned σ² first, on every seed; then the schedules and free bits.
for seed in $SEEDS; do
    conv "$seed" plain --remedy plain
    conv "$seed" learnedsigma --remedy learned-sigma
    conv "$seed" beta4 --remedy beta --beta 4
done
for seed in $SEEDS; do
    conv "$seed" freebits0.5 --remedy free-bits --free-bits 0.5
    conv "$seed" warmup --remedy warm-up
    conv "$seed" cyclical --remedy cyclical
    conv "$seed" freebits1 --remedy free-bits --free-bits 1
done
for seed in $SEEDS; do rows "$seed"; done
fi
# CelebA: every remedy on seed 000's face model (f = 32, z = 128, σ² = ½ unless learned), all 8,765 training faces.
if [[ " $PARTS " == *" celeba "* ]]; then
for seed in $SEEDS; do
    face=(--dataset celeba --model celeba --epochs "$CELEBA_EPOCHS" --seed "$seed")
    run "celeba-plain-s$seed"       "${face[@]}" --remedy plain
    run "celeba-beta4-s$seed"       "${face[@]}" --remedy beta --beta 4
    run "celeba-learnedsigma-s$seed" "${face[@]}" --remedy learned-sigma
    run "celeba-freebits0.5-s$seed" "${face[@]}" --remedy free-bits --free-bits 0.5
    run "celeba-freebits1-s$seed"   "${face[@]}" --remedy free-bits --free-bits 1
    run "celeba-warmup-s$seed"      "${face[@]}" --remedy warm-up
    run "celeba-cyclical-s$seed"    "${face[@]}" --remedy cyclical
done
fi
python3 Tutorials/05-Collapse/table.py "$SWEEP" Tutorials/05-Collapse/figures
