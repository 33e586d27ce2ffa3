#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses in Fuzz/ (see Fuzz/README.md).
#
#   Fuzz/run.sh <harness|all> <seconds>      e.g.  Fuzz/run.sh all 30   or   Fuzz/run.sh jpeg 600
#
# Each harness starts from a temporary copy of Fuzz/corpus/<harness>/ (the committed corpus never grows),
# runs for <seconds>, and its executions are printed. A crash, trap, sanitizer report, timeout or
# out-of-memory stops that harness; the input is saved as Fuzz/crashes/<harness>/<kind>-<sha1> and the
# script exits 1 after running the rest. Harnesses run one after another, one process each.
# Environment: FUZZ_BUILD (build folder, default .build-fuzz/fuzz), LATENT_TARGET_CPU / LATENT_PORTABLE
# (as for Package.swift).
set -euo pipefail
# The whole script is one block, so bash reads it all before running: editing run.sh during a run is safe.
{

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD:-$root/.build-fuzz/fuzz}"
harnesses=(idx zip jpeg png safetensors celeba-attr celeba-partition celeba-cache image-folder-cache npy)
# The checkpoint reader joins once it is in the tree (branch `ae`).
[[ -e "$root/Sources/LatentData/Output/Checkpoint.swift" ]] && harnesses+=(checkpoint)

# The longest input per format: room for the seeds and their mutations, small enough to stay fast.
max_len() {
    case "$1" in
        jpeg) echo 16384 ;;
        zip|idx) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

usage() { echo "usage: $0 <all|${harnesses[*]// /|}> <seconds>" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
[[ "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]] || usage  # libFuzzer reads 0 as "no limit"
if [[ "$1" == all ]]; then
    selected=("${harnesses[@]}")
else
    [[ " ${harnesses[*]} " == *" $1 "* ]] || usage
    selected=("$1")
fi
seconds="$2"

# Same code generation as Package.swift (x86-64: the build machine's CPU unless LATENT_PORTABLE is set).
codegen=(-O -Xcc -fno-math-errno)
if [[ "$(uname -m)" == x86_64 && -z "${LATENT_PORTABLE:-}" ]]; then
    codegen+=(-target-cpu "${LATENT_TARGET_CPU:-native}")
fi
sanitize=(-sanitize=fuzzer,address)

mkdir -p "$build"
log="$build/build.log"
: > "$log"

# Rebuilds `output` when it is missing or older than any of the listed inputs.
stale() {
    local output="$1"; shift
    [[ -e "$output" ]] || return 0
    local f
    for f in "$@"; do [[ "$f" -nt "$output" ]] && return 0; done
    return 1
}

build_started=$(date +%s)
mapfile -t latent_sources < <(find "$root/Sources/Latent" -name '*.swift' | sort)
mapfile -t data_sources < <(find "$root/Sources/LatentData" -name '*.swift' | sort)

# The two libraries, instrumented for coverage and ASan, as static archives with their modules.
if stale "$build/libLatent.a" "${latent_sources[@]}" "$0"; then
    echo "building Latent (instrumented)…"
    swiftc -parse-as-library -module-name Latent -emit-module -emit-module-path "$build/Latent.swiftmodule" \
        -emit-library -static "${sanitize[@]}" "${codegen[@]}" "${latent_sources[@]}" \
        -o "$build/libLatent.a" >>"$log" 2>&1 || { cat "$log"; exit 3; }
fi
if stale "$build/libLatentData.a" "${data_sources[@]}" "$build/libLatent.a"; then
    echo "building LatentData (instrumented)…"
    # -enable-testing: the checkpoint harness reaches `Checkpoint.contentCRC` with @testable import.
    swiftc -parse-as-library -module-name LatentData -emit-module -emit-module-path "$build/LatentData.swiftmodule" \
        -emit-library -static -enable-testing "${sanitize[@]}" "${codegen[@]}" -I "$build" -I "$root/Sources/CZlib" \
        "${data_sources[@]}" -o "$build/libLatentData.a" >>"$log" 2>&1 || { cat "$log"; exit 3; }
fi
for h in "${selected[@]}"; do
    if stale "$build/fuzz-$h" "$root/Fuzz/$h.swift" "$build/libLatentData.a"; then
        echo "building fuzz-$h…"
        swiftc -parse-as-library -module-name "Fuzz_${h//-/_}" "${sanitize[@]}" "${codegen[@]}" \
            -I "$build" -I "$root/Sources/CZlib" "$root/Fuzz/$h.swift" \
            "$build/libLatentData.a" "$build/libLatent.a" -lz -o "$build/fuzz-$h" >>"$log" 2>&1 \
            || { grep -v 'Cannot export local symbol' "$log"; exit 3; }
    fi
done
echo "build: $(( $(date +%s) - build_started )) s (log: $log)"

work="$(mktemp -d "${TMPDIR:-/tmp}/latent-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=()
printf '%-18s %12s %10s %s\n' harness executions exec/s result >"$work/summary"
for h in "${selected[@]}"; do
    corpus="$work/corpus-$h"
    mkdir -p "$corpus" "$root/Fuzz/crashes/$h"
    cp "$root/Fuzz/corpus/$h/"* "$corpus/" 2>/dev/null || true
    out="$work/$h.log"
    echo "running fuzz-$h for $seconds s…"
    status=0
    # Swift's own crash backtracer would race libFuzzer's handler (and trip ASan); libFuzzer reports.
    SWIFT_BACKTRACE=enable=no "$build/fuzz-$h" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len="$(max_len "$h")" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$root/Fuzz/crashes/$h/" >"$out" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -1)
    if [[ $status -ne 0 ]]; then
        # libFuzzer's summary line names the saved input, e.g. "Test unit written to …/crash-<sha1>".
        saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out" | tail -1)
        grep -E 'ERROR: |Fatal error|SUMMARY|deadly signal|#[0-9]+ 0x' "$out" | head -30 >&2 || true
        cp "$out" "$root/Fuzz/crashes/$h/last-failure.log"
        result="FAILED (exit $status): ${saved:-see Fuzz/crashes/$h/last-failure.log}"
        failed+=("$h")
    else
        result=ok
    fi
    printf '%-18s %12s %10s %s\n' "$h" "${executions:-?}" "${speed:-?}" "$result" >>"$work/summary"
done
cat "$work/summary"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashed: ${failed[*]} (inputs saved under Fuzz/crashes/)" >&2
    exit 1
fi
exit 0
}
