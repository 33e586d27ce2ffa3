#!/usr/bin/env bash
# Chapter 6's table: β-VAE (β = 1, 4, 16) and β-TCVAE (β = 6), three seeds each, two runs at a time,
# one thread each. A run whose summary.json already has the metrics is not repeated; one that trained
# but has no metrics yet is resumed (training is skipped, the metrics are computed). Then the table.
#
#   Tutorials/06-Disentanglement/table.sh
#   SEEDS="1 2" EPOCHS=2 Tutorials/06-Disentanglement/table.sh      # a shorter one
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"1 2 3"}
EPOCHS=${EPOCHS:-4}
TRAIN_SIZE=${TRAIN_SIZE:-12800}
LR=${LR:-5e-4}
SWEEP=${SWEEP:-runs/disentangle-table}
BIN=${BIN:-.build/release/disentangle}
[[ -n "${NO_BUILD:-}" ]] || swift build -c release --product disentangle >/dev/null

run() {  # run <name> <args…>
    local name=$1; shift
    if [[ -f "$SWEEP/$name/summary.json" ]] && grep -q '"mig"' "$SWEEP/$name/summary.json"; then return; fi
    local resume=()
    [[ -f "$SWEEP/$name/checkpoint.safetensors" ]] && resume=(--resume)
    echo "== $name: disentangle $* ${resume[*]}"
    "$BIN" "$@" --epochs "$EPOCHS" --lr "$LR" --train-size "$TRAIN_SIZE" --threads 1 "${resume[@]}" --out "$SWEEP/$name" \
        > "$SWEEP/$name.log" 2>&1 || { echo "failed: see $SWEEP/$name.log"; return 1; }
}
mkdir -p "$SWEEP"
jobs=()
for seed in $SEEDS; do
    jobs+=("vae-beta1-s$seed --model beta-vae --beta 1 --seed $seed")
    jobs+=("vae-beta4-s$seed --model beta-vae --beta 4 --seed $seed")
    jobs+=("vae-beta16-s$seed --model beta-vae --beta 16 --seed $seed")
    jobs+=("tcvae-beta6-s$seed --model beta-tcvae --beta 6 --seed $seed")
done
# Two at a time.
for ((i = 0; i < ${#jobs[@]}; i += 2)); do
    run ${jobs[i]} &
    if (( i + 1 < ${#jobs[@]} )); then run ${jobs[i + 1]} & fi
    wait
done
python3 Tutorials/06-Disentanglement/table.py "$SWEEP"
