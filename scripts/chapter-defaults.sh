#!/usr/bin/env bash
# usage: scripts/chapter-defaults.sh BIN_DIR OUT_DIR — every chapter's default run with short epochs, one summary.json each;
# run it with the release binaries of two commits, then compare with scripts/compare_summaries.py OLD/x/summary.json NEW/x/summary.json
set -u
[ $# -eq 2 ] || { echo "usage: $0 BIN_DIR OUT_DIR" >&2; exit 2; }
export LATENT_DATA="$(cd "${LATENT_DATA:-../shared/data}" && pwd)" || { echo "no data folder (set LATENT_DATA)" >&2; exit 2; }
bin="$(cd "$1" && pwd)"; mkdir -p "$2"; out="$(cd "$2" && pwd)"; cd "$out"
run() { name=$1; shift; echo "== $name: $*"; ( time "$bin/$@" ) > "$name.log" 2>&1; echo "exit $? $(tail -3 $name.log | tr '\n' ' ')"; }
run pca-mnist pca --out "$out/pca-mnist"
run pca-celeba pca --dataset celeba --out "$out/pca-celeba"
run ae-conv autoencoder --epochs 1 --out "$out/ae-conv"
run ae-dense autoencoder --model dense --epochs 1 --out "$out/ae-dense"
run ae-noise autoencoder --noise 0.5 --epochs 1 --out "$out/ae-noise"
run ae-celeba autoencoder --dataset celeba --epochs 1 --out "$out/ae-celeba"
run vae-dense vae --epochs 2 --out "$out/vae-dense"
run vae-conv vae --model conv --epochs 1 --iw 100 --iw-images 200 --out "$out/vae-conv"
run vae-celeba vae --model celeba --epochs 1 --out "$out/vae-celeba"
run beta-conv beta-vae --epochs 1 --out "$out/beta-conv"
run beta-sweep beta-vae --sweep --epochs 1 --limit 6000 --out "$out/beta-sweep"
run beta-celeba beta-vae --dataset celeba --epochs 1 --out "$out/beta-celeba"
