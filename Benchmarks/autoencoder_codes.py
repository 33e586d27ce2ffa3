#!/usr/bin/env python3
"""Chapter 2's measured tables: tied against untied weights, and under- against overcomplete codes.

Runs the release `autoencoder` executable one training at a time (build it first:
`swift build -c release --product autoencoder`), each with `--anomaly fashion-mnist`, reads every
run's summary.json and prints two Markdown tables. Runs already finished are read, not retrained.

    python3 Benchmarks/autoencoder_codes.py                 # both tables (about 15 min on 2 cores)
    python3 Benchmarks/autoencoder_codes.py --only tied     # or: codes

tied:  seed 004's dense AE 784→200→20 and its tied twin, same size, same options, --seeds seeds.
codes: one layer each side (--hidden 0), z = 16, 64, 784, 1568, with and without input noise σ = 0.5.
"""
import argparse, json, math, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, ".build", "release", "autoencoder")


def train(out, args):
    summary = os.path.join(out, "summary.json")
    if not os.path.exists(summary):
        start = time.time()
        command = [EXE, "--out", out, "--anomaly", "fashion-mnist"] + args
        print("$", " ".join(command[0:1] + [a for a in command[1:]]), flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        print(f"  {time.time() - start:.0f} s", flush=True)
    with open(summary) as f:
        return json.load(f)


def mean_se(values):
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, float("nan")
    var = sum((v - m) ** 2 for v in values) / (len(values) - 1)
    return m, math.sqrt(var / len(values))


def fmt(values, digits, scale=1):
    m, se = mean_se([v * scale for v in values])
    return f"{m:.{digits}f}" if math.isnan(se) else f"{m:.{digits}f} ± {se:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs", "codes"), help="where the runs go")
    parser.add_argument("--only", choices=["tied", "codes"])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--tied-epochs", type=int, default=5)
    parser.add_argument("--code-epochs", type=int, default=3)
    a = parser.parse_args()
    if not os.path.exists(EXE):
        sys.exit(f"{EXE} is missing: swift build -c release --product autoencoder")
    seeds = [int(s) for s in a.seeds.split(",")]

    if a.only in (None, "tied"):
        rows = {}
        for model in ["dense", "tied"]:
            rows[model] = [train(os.path.join(a.runs, f"{model}-seed{s}"),
                                 ["--model", model, "--epochs", str(a.tied_epochs), "--seed", str(s)]) for s in seeds]
        print(f"\n{a.tied_epochs} epochs, seeds {a.seeds} (mean ± s.e.)\n")
        print("| model | parameters | test MSE | PCA (k = 20) | AUROC MNIST vs Fashion-MNIST | seconds per run |")
        print("|---|---|---|---|---|---|")
        for model, runs in rows.items():
            print(f"| {model} | {runs[0]['parameters']:,} | {fmt([r['final_test_mse'] for r in runs], 5)} | "
                  f"{runs[0]['pca_test_mse']['test_mse']:.5f} | {fmt([r['anomaly']['auroc'] for r in runs], 3)} | "
                  f"{mean_se([r['seconds_at_epoch_end'][-1] for r in runs])[0]:.0f} |")

    if a.only in (None, "codes"):
        print(f"\none layer each side (--hidden 0), {a.code_epochs} epochs, Adam lr 1e-3, seed {seeds[0]}\n")
        print("| code z | trained with noise σ | test MSE | noisy test (σ = 0.5) → clean | uniform random images | Fashion-MNIST | AUROC | seconds |")
        print("|---|---|---|---|---|---|---|---|")
        for z in [16, 64, 784, 1568]:
            for noise in ["0", "0.5"]:
                r = train(os.path.join(a.runs, f"shallow-z{z}-noise{noise}-seed{seeds[0]}"),
                          ["--model", "dense", "--hidden", "0", "--latent", str(z), "--noise", noise, "--lr", "1e-3",
                           "--epochs", str(a.code_epochs), "--seed", str(seeds[0])])
                x = r["anomaly"]
                print(f"| {z} | {noise} | {x['test_mse']:.5f} | {x['noisy_test_mse']:.5f} | {x['uniform_mse']:.5f} | "
                      f"{x['other_mse']:.5f} | {x['auroc']:.3f} | {r['seconds_at_epoch_end'][-1]:.0f} |", flush=True)


if __name__ == "__main__":
    main()
