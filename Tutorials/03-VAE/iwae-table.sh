#!/usr/bin/env bash
# Burda, Grosse & Salakhutdinov (2016), Table 1, MNIST, one stochastic layer: the VAE (k = 1) and the
# IWAE (k = 5, k = 50), trained with their schedule (3,280 epochs) and evaluated with k = 5000.
#
#   Tutorials/03-VAE/iwae-table.sh train [vae iwae5 iwae50]   start, or resume (--resume, bit-exact), in the background
#   Tutorials/03-VAE/iwae-table.sh status                     epochs done and hours so far
#   Tutorials/03-VAE/iwae-table.sh table [IMAGES]             log p(x), k = 5000, of each latest checkpoint on the
#                                                             first IMAGES test images (default 10000), the table
#                                                             and the curve (table.md, log-px.svg in $IWAE_RUNS)
#
# Environment: VAE_BIN (default .build/release/vae; copy it out of .build first if you keep building),
# IWAE_RUNS (default runs/iwae), MNIST (data folder; default: the usual search), THREADS (default 1 per run).
set -euo pipefail
BIN=${VAE_BIN:-.build/release/vae}
OUT=${IWAE_RUNS:-runs/iwae}
THREADS=${THREADS:-1}
DATA=${MNIST:+--data $MNIST}
COMMON="--model burda --schedule burda --threads $THREADS --eval-samples 1000 --eval-images 1000 --eval-every 5"
declare -A ARGS=([vae]="--objective elbo" [iwae5]="--objective iwae --samples 5" [iwae50]="--objective iwae --samples 50")
declare -A PAPER=([vae]=-86.76 [iwae5]=-85.54 [iwae50]=-84.78)
mkdir -p "$OUT"

epochs_of() {  # the epochs a checkpoint holds (its metadata's "epoch")
    python3 -c 'import json,struct,sys
f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]; print(json.loads(f.read(n))["__metadata__"]["epoch"])' "$1"
}

case "${1:-}" in
train)
    shift
    for name in "${@:-vae iwae5 iwae50}"; do
        for n in $name; do
            resume=""; [ -f "$OUT/$n/checkpoint.safetensors" ] && resume="--resume"
            # shellcheck disable=SC2086
            nohup "$BIN" $COMMON ${ARGS[$n]} --epochs 3280 --iw 5000 --iw-images 10000 $DATA --out "$OUT/$n" $resume \
                >> "$OUT/$n.log" 2>&1 &
            echo "$n: pid $! ($BIN ${ARGS[$n]} ${resume:-from scratch}), log $OUT/$n.log"
        done
    done ;;
status)
    for n in vae iwae5 iwae50; do
        [ -f "$OUT/$n/checkpoint.safetensors" ] || { echo "$n: no checkpoint"; continue; }
        echo "$n: $(epochs_of "$OUT/$n/checkpoint.safetensors") epochs; $(grep -a -o 'epoch [0-9]*: .*' "$OUT/$n.log" | tail -1)"
    done ;;
table)
    images=${2:-10000}
    rows="" compare="" chart=""
    for n in vae iwae5 iwae50; do
        ckpt="$OUT/$n/checkpoint.safetensors"
        [ -f "$ckpt" ] || continue
        eval_dir="$OUT/eval-$n"; mkdir -p "$eval_dir"
        cp "$ckpt" "$eval_dir/checkpoint.safetensors"
        e=$(epochs_of "$eval_dir/checkpoint.safetensors")
        # Resuming at the checkpoint's own epoch count trains nothing: it evaluates, draws, and writes summary.json.
        # shellcheck disable=SC2086
        "$BIN" $COMMON ${ARGS[$n]} --epochs "$e" --iw 5000 --iw-images "$images" $DATA --out "$eval_dir" --resume \
            ${compare:+--compare "$compare"} > "$eval_dir.log" 2>&1
        compare="${compare:+$compare,}$eval_dir/summary.json"   # the next run's chart shows this curve too
        chart="$eval_dir/log-px.svg"
        rows+="$(python3 - "$eval_dir/summary.json" "$n" "${PAPER[$n]}" "$e" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); name, paper, epochs = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
hours = s["seconds_at_epoch_end"][-1] / 3600
label = {"vae": "VAE, k = 1", "iwae5": "IWAE, k = 5", "iwae50": "IWAE, k = 50"}[name]
print(f"| {label} | {paper:.2f} | {s['test_log_px_iw']:.2f} | {s['test_log_px_iw'] - paper:+.2f} | {s['test_elbo']:.2f} | "
      f"{epochs} of 3280 | {hours:.2f} | {int(s['iw_images'])} |")
EOF
)"$'\n'
    done
    {
        echo "| model | Burda et al. Table 1 | ours: test log p(x), k = 5000 | difference | ours: test ELBO | epochs | hours (1 thread, shared 2 cores) | test images |"
        echo "|---|---|---|---|---|---|---|---|"
        printf "%s" "$rows"
    } | tee "$OUT/table.md"
    [ -n "$chart" ] && cp "$chart" "$OUT/log-px.svg" && echo "curves: $OUT/log-px.svg" ;;
*)
    sed -n 2,13p "$0"; exit 2 ;;
esac
