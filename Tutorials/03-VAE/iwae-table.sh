#!/usr/bin/env bash
# Burda, Grosse & Salakhutdinov (2016), Table 1, MNIST, one stochastic layer: the VAE (k = 1) and the
# IWAE (k = 5, k = 50), trained with their schedule (3,280 epochs) and evaluated with k = 5000.
#
#   Tutorials/03-VAE/iwae-table.sh train [vae iwae5 iwae50]   start, or resume (--resume, bit-exact), in the background
#   Tutorials/03-VAE/iwae-table.sh status                     epochs done and hours so far
#   Tutorials/03-VAE/iwae-table.sh table [IMAGES [names]]     log p(x), k = 5000, of each latest checkpoint on the
#                                                             first IMAGES test images (default 10000), the table
#                                                             and the curve (table.md, log-px.svg in $IWAE_RUNS); a
#                                                             run that finished its schedule evaluated itself already
#
# Environment: VAE_BIN (default .build/release/vae; copy it out of .build first if you keep building),
# IWAE_RUNS (default runs/iwae), MNIST (data folder; default: the usual search), THREADS (default 1 per run: at batch 20
# a second thread slows the step down), EVAL_EVERY (the K = 1000 test log p(x) every that many epochs and at each
# stage's end; default 100: every evaluation costs about four VAE epochs).
set -euo pipefail
BIN=${VAE_BIN:-.build/release/vae}
OUT=${IWAE_RUNS:-runs/iwae}
THREADS=${THREADS:-1}
DATA=${MNIST:+--data $MNIST}
EVAL_EVERY=${EVAL_EVERY:-100}
COMMON="--model burda --schedule burda --threads $THREADS --eval-samples 1000 --eval-images 1000 --eval-every $EVAL_EVERY"
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
    shift $(( $# < 2 ? $# : 2 ))
    rows="" compare="" chart=""
    for n in ${*:-vae iwae5 iwae50}; do
        ckpt="$OUT/$n/checkpoint.safetensors"
        [ -f "$ckpt" ] || continue
        eval_dir="$OUT/eval-$n"; mkdir -p "$eval_dir"
        cp "$ckpt" "$eval_dir/checkpoint.safetensors"
        e=$(epochs_of "$eval_dir/checkpoint.safetensors")
        if python3 - "$OUT/$n/summary.json" "$e" "$images" 2>/dev/null <<'EOF'
import json, sys   # exit 0 when the run evaluated itself at this epoch on these images (it finished its schedule)
s = json.load(open(sys.argv[1]))
sys.exit(0 if len(s["test_elbo_per_epoch"]) == int(sys.argv[2]) and int(s["iw_images"]) == int(sys.argv[3]) else 1)
EOF
        then
            cp "$OUT/$n/summary.json" "$eval_dir/summary.json"   # its own final evaluation: nothing to redo
        else
            # Resuming at the checkpoint's own epoch count trains nothing: it evaluates, draws, and writes summary.json.
            # shellcheck disable=SC2086
            "$BIN" $COMMON ${ARGS[$n]} --epochs "$e" --iw 5000 --iw-images "$images" $DATA --out "$eval_dir" --resume \
                ${compare:+--compare "$compare"} > "$eval_dir.log" 2>&1
            chart="$eval_dir/log-px.svg"
        fi
        compare="${compare:+$compare,}$eval_dir/summary.json"   # the next run's chart shows this curve too
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
    if [ -n "$chart" ]; then cp "$chart" "$OUT/log-px.svg" && echo "curves: $OUT/log-px.svg"; fi ;;
*)
    sed -n 2,13p "$0"; exit 2 ;;
esac
