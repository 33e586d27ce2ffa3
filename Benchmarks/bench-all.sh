#!/usr/bin/env bash
# Every latent-bench case against its peer, 1 and 2 threads, in one run; prints a markdown table.
#
#   Benchmarks/bench-all.sh [LOG]        (from the package root; LOG default: bench-all.log)
#
# Builds latent-bench in release, then runs, each with --compare (ours and the peer alternate):
#   gemm n=1024; model ae, dense-ae, tied-ae, celeba-ae, vae, dense-vae, celeba-vae (f = 32, z = 128),
#   celeba-vae at the seed's size (f = 64, z = 512), iwae, rows-vae, burgess-vae, beta-tcvae, cvae, m2;
#   jpeg decode and decode + crop to 64×64; and, with no peer,
#   memory (GB/s streamed through 1 MB and 64 MB buffers: what bounds the 2-thread speed-ups).
# The raw output goes to LOG; the table (CPU named, load average at start) to stdout. Run it on a quiet
# machine: other processes on the same cores change the ratios. LATENT_PYTHON (or python3) must have
# torch and Pillow; ROUNDS (default 2) sets how many times each side runs (the best counts); REPETITIONS
# and TARGET (default 10 and 0.3) how many timed repetitions of about TARGET seconds a model case makes (the
# best counts: many short ones find the machine's quiet moments more often than a few long ones); THREADS
# (default 1,2) the thread counts; CASES (default: all, as listed above) a subset, e.g.
# CASES="gemm burgess-vae celeba-vae64 jpeg" (celeba-vae64 is celeba-vae at the seed's size).
set -euo pipefail
log=${1:-bench-all.log}
rounds=${ROUNDS:-2}
timing=(--repetitions "${REPETITIONS:-10}" --target "${TARGET:-0.3}")
threads=${THREADS:-1,2}
cases=${CASES:-memory gemm ae dense-ae tied-ae celeba-ae vae dense-vae celeba-vae celeba-vae64 iwae rows-vae burgess-vae beta-tcvae cvae m2 jpeg}
swift build -c release --product latent-bench >&2
bench=.build/release/latent-bench
: > "$log"
run() { echo "## $*" >> "$log"; "$bench" "$@" >> "$log" 2>&1; }

for case in $cases; do
    case $case in
    memory) run memory --sizes 1,64 --threads "$threads" ;;
    gemm) run gemm --sizes 1024 --threads "$threads" --compare ;;
    jpeg) run jpeg --threads "$threads" --compare --rounds "$rounds" ;;
    celeba-vae64) run model celeba-vae --filters 64 --nz 512 --threads "$threads" --compare --rounds "$rounds" "${timing[@]}" --no-profile ;;
    ae|dense-ae|tied-ae|celeba-ae|vae|dense-vae|celeba-vae|iwae|rows-vae|burgess-vae|beta-tcvae|cvae|m2) run model "$case" --threads "$threads" --compare --rounds "$rounds" "${timing[@]}" --no-profile ;;
    *) echo "bench-all: unknown case '$case' in CASES (memory, gemm, ae, dense-ae, tied-ae, celeba-ae, vae, dense-vae, celeba-vae, celeba-vae64, iwae, rows-vae, burgess-vae, beta-tcvae, cvae, m2, jpeg)" >&2; exit 2 ;;
    esac
done

python3 - "$log" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
cpu = re.search(r"^# (CPU: .*)$", text, re.M)
loads = re.findall(r"^# load average (\S+)", text, re.M)
print(f"{cpu.group(1) if cpu else 'CPU: (not printed)'}; load average at the start of each model case: {', '.join(loads)}")
print()
print("| case | threads | Latent | peer | ratio |")
print("|---|---|---|---|---|")
for section in text.split("## ")[1:]:
    command, _, output = section.partition("\n")
    ours = None
    for line in output.splitlines():
        if command.startswith("memory"):  # "memory mb=1 threads=1 91.3 GB/s"
            m = re.match(r"^memory mb=(\S+) threads=(\d+) ([\d.]+) GB/s$", line)
            if m:
                print(f"| `memory` {m.group(1)} MB buffers (GB/s, no peer) | {m.group(2)} | {float(m.group(3)):.1f} | | |")
        elif command.startswith("gemm"):   # "n=1024 threads=1   <ours> <theirs> <ratio>"
            m = re.match(r"^(\S+) threads=(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
            if m:
                print(f"| `gemm` {m.group(1)} (GFLOP/s) | {m.group(2)} | {float(m.group(3)):.1f} | {float(m.group(4)):.1f} | {m.group(5)}× |")
        elif command.startswith("jpeg"):  # "decode   1  <ours> <theirs> <ratio>"
            m = re.match(r"^(decode|crop\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
            if m:
                print(f"| `jpeg` {m.group(1)} (Pillow) | {m.group(2)} | {float(m.group(3)):,.0f} img/s | {float(m.group(4)):,.0f} img/s | {m.group(5)}× |")
        else:
            m = re.match(r"^(\S+) (.*?) threads=(\d+) ([\d.]+) images/s  \(peak RSS (\d+) MB\)", line)
            if m:
                ours = m.groups()
            m = re.match(r"^\S+ .*? threads=\d+ pytorch ([\d.]+) images/s  \(peak RSS (\d+) MB\)", line)
            if m and ours:
                name, size, t, value, rss = ours
                print(f"| `{name}` {size} | {t} | {float(value):,.0f} img/s, {rss} MB | {float(m.group(1)):,.0f} img/s, "
                      f"{m.group(2)} MB | {float(value) / float(m.group(1)):.2f}× |")
            m = re.match(r"^(\S+) (.*?) speed-up 2 threads / 1: Latent ([\d.]+)×, PyTorch ([\d.]+)×", line)
            if m:
                print(f"| `{m.group(1)}` {m.group(2)} | speed-up 2/1 | {m.group(3)}× | {m.group(4)}× | |")
EOF
