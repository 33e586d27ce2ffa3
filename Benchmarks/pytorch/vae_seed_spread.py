"""Chapter 3's VAE against its PyTorch peer over many seeds: is a difference real or one run's luck?

One training run is one draw: its initial weights, data order and ε come from the seed, and the test
numbers move with them (for the CelebA VAE by ±10 % between seeds). This script trains chapter 3's
`vae` (release build) and the PyTorch peer (`vae_reference_mnist.py` / `vae_reference_celeba.py`,
same model, optimizer, batch and data) for each seed, then prints per epoch the mean, the standard
deviation and the standard error of each side, and Welch's t for the difference of the means.

    swift build -c release
    python3 Benchmarks/pytorch/vae_seed_spread.py celeba --seeds 0-9       # 4 epochs, ≈ 3 min a seed
    python3 Benchmarks/pytorch/vae_seed_spread.py mnist --seeds 0-9        # 10 epochs, ≈ 3 min a seed

Results go to runs/seed-spread-<dataset>/ (one JSON per run, so an interrupted sweep continues where
it stopped; --fresh starts over) and the table, over every result there, to its summary.json.
`--only latent` (or `pytorch`) adds seeds of one side, e.g. an independent sample to check a difference.
"""
import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))


def seed_list(text):
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    return seeds


def run(command, log):
    with open(log, "w") as out:
        status = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT).returncode
    if status != 0:
        sys.exit(f"vae_seed_spread: {' '.join(command)} failed with status {status}; see {log}")


def latent_run(dataset, seed, folder, threads):
    """Chapter 3 for one seed; returns {metric: [value per reported epoch]}."""
    vae = os.path.join(ROOT, ".build/release/vae")
    if not os.path.exists(vae):
        sys.exit("vae_seed_spread: no .build/release/vae; run `swift build -c release` first")
    out = os.path.join(folder, f"latent-{seed}")
    common = [vae, "--seed", str(seed), "--out", out, "--threads", str(threads)]
    if dataset == "celeba":
        run(common + ["--model", "celeba", "--epochs", "4"], out + ".log")
        with open(os.path.join(out, "summary.json")) as f:
            return {"test_mse": json.load(f)["test_mse_per_epoch"]}
    # MNIST: evaluate after epoch 5, then resume to 10 (resuming reproduces the uninterrupted run).
    result = {"test_elbo": [], "test_nll_iw": []}
    for epochs, resume in ((5, []), (10, ["--resume"])):
        run(common + ["--epochs", str(epochs)] + resume, f"{out}-{epochs}.log")
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        result["test_elbo"].append(summary["test_elbo"])
        result["test_nll_iw"].append(summary["test_nll_iw"])
    return result


def pytorch_run(dataset, seed, folder, threads):
    """The PyTorch peer for one seed, same shape of result."""
    path = os.path.join(folder, f"pytorch-{seed}.json")
    if dataset == "celeba":
        script = os.path.join(HERE, "vae_reference_celeba.py")
        run([sys.executable, script, "--epochs", "4", "--seed", str(seed), "--threads", str(threads), "--json", path],
            path[:-5] + ".log")
        with open(path) as f:
            return {"test_mse": json.load(f)["test_mse_per_epoch"]}
    script = os.path.join(HERE, "vae_reference_mnist.py")
    run([sys.executable, script, "--epochs", "10", "--report", "5,10", "--seed", str(seed), "--threads", str(threads),
         "--json", path], path[:-5] + ".log")
    with open(path) as f:
        epochs = json.load(f)["epochs"]
    return {name: [epochs[e][name] for e in ("5", "10")] for name in ("test_elbo", "test_nll_iw")}


def compact(runs):
    """Seeds as ranges: 0-11,14."""
    seeds, parts = sorted(runs), []
    for seed in seeds:
        if parts and parts[-1][1] == seed - 1:
            parts[-1][1] = seed
        else:
            parts.append([seed, seed])
    return ",".join(f"{a}-{b}" if b > a else f"{a}" for a, b in parts)


def stats(values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return mean, sd, sd / math.sqrt(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["mnist", "celeba"])
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,3,5-7")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="ignore results of an earlier sweep")
    parser.add_argument("--only", choices=["latent", "pytorch"], help="train one side only (the table uses every result on disk)")
    args = parser.parse_args()
    folder = os.path.join(ROOT, "runs", f"seed-spread-{args.dataset}")
    os.makedirs(folder, exist_ok=True)
    results = {"latent": {}, "pytorch": {}}
    for name in sorted(os.listdir(folder)):  # earlier results, whatever seeds they were for
        side, _, seed = name[len("result-"):-len(".json")].partition("-")
        if name.startswith("result-") and name.endswith(".json") and side in results and not args.fresh:
            with open(os.path.join(folder, name)) as f:
                results[side][int(seed)] = json.load(f)
    for seed in seed_list(args.seeds):
        for side, train in (("latent", latent_run), ("pytorch", pytorch_run)):
            if args.only and side != args.only:
                continue
            if seed in results[side]:  # measured by an earlier sweep
                continue
            done = os.path.join(folder, f"result-{side}-{seed}.json")
            results[side][seed] = train(args.dataset, seed, folder, args.threads)
            with open(done + ".tmp", "w") as f:
                json.dump(results[side][seed], f)
            os.replace(done + ".tmp", done)
            print(f"{side} seed {seed}: " + "  ".join(
                f"{name} " + " ".join(f"{v:.5g}" for v in values) for name, values in results[side][seed].items()), flush=True)

    epochs = [1, 2, 3, 4] if args.dataset == "celeba" else [5, 10]
    table = []
    print(f"\n{'metric':<12} {'epoch':>5}  {'Latent mean ± se (sd)':>28}  {'PyTorch mean ± se (sd)':>28}  {'Welch t':>7}")
    for name in next(iter(results["latent"].values())):
        for i, epoch in enumerate(epochs):
            ours = [r[name][i] for r in results["latent"].values()]
            theirs = [r[name][i] for r in results["pytorch"].values()]
            (m1, s1, e1), (m2, s2, e2) = stats(ours), stats(theirs)
            t = (m1 - m2) / math.sqrt(e1 ** 2 + e2 ** 2) if e1 > 0 or e2 > 0 else float("nan")
            digits = 5 if args.dataset == "celeba" else 2
            cell = lambda m, e, s: f"{m:.{digits}f} ± {e:.{digits}f} ({s:.{digits}f})"
            print(f"{name:<12} {epoch:>5}  {cell(m1, e1, s1):>28}  {cell(m2, e2, s2):>28}  {t:7.2f}")
            table.append({"metric": name, "epoch": epoch, "latent": ours, "pytorch": theirs,
                          "latent_mean": m1, "pytorch_mean": m2, "welch_t": t})
    print(f"(Latent seeds {compact(results['latent'])}, PyTorch seeds {compact(results['pytorch'])}; "
          + ("lower MSE is better" if args.dataset == "celeba" else "nats per image, higher is better") + ")")
    with open(os.path.join(folder, "summary.json.tmp"), "w") as f:
        json.dump({"dataset": args.dataset, "rows": table}, f, indent=1)
    os.replace(os.path.join(folder, "summary.json.tmp"), os.path.join(folder, "summary.json"))
    print(f"wrote {os.path.relpath(os.path.join(folder, 'summary.json'))}")


if __name__ == "__main__":
    main()
