#!/usr/bin/env python3
"""Chapter 4's probe table over seeds, and the anomaly AUROCs of the same models.

For each seed, one training at a time (release builds of autoencoder, vae and beta-vae first):

    autoencoder --epochs E --seed s --anomaly fashion-mnist                      chapter 2's conv AE, z = 64
    vae --model conv --epochs E --seed s --iw 0 --anomaly fashion-mnist           chapter 3's conv VAE, z = 64
    beta-vae --sweep --betas 1e-4 --epochs E --seed s --probe --ae … --vae …    chapter 4, probing all of them + PCA

then prints the probe table (test accuracy, mean ± s.e. over seeds) and the anomaly table.
Runs already finished are read, not retrained.

    python3 Benchmarks/probe_seeds.py                       # seeds 0,1,2, 1 epoch per model (about 30 min on 2 busy cores)
"""
import argparse, json, math, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release")


def run(name, out, args, done):
    if not os.path.exists(os.path.join(out, done)):
        start = time.time()
        command = [os.path.join(BIN, name), "--out", out] + args
        if os.path.isdir(out) and any(f.startswith("checkpoint") for f in os.listdir(out)):
            command.append("--resume")  # an interrupted run continues; a finished one is only evaluated
        print("$", " ".join([name] + command[1:]), flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        print(f"  {time.time() - start:.0f} s", flush=True)
    with open(os.path.join(out, done)) as f:
        return json.load(f)


def fmt(values, scale=100, digits=1):
    values = [v * scale for v in values]
    m = sum(values) / len(values)
    if len(values) < 2:
        return f"{m:.{digits}f}"
    se = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1) / len(values))
    return f"{m:.{digits}f} ± {se:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs", "probe"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=1)
    a = parser.parse_args()
    for name in ["autoencoder", "vae", "beta-vae"]:
        if not os.path.exists(os.path.join(BIN, name)):
            sys.exit(f"{BIN}/{name} is missing: swift build -c release --product {name}")
    epochs = str(a.epochs)
    probes, anomaly = {}, {"AE (conv, z = 64), reconstruction MSE": [], "VAE (conv, z = 64), −ELBO": [],
                           "VAE (conv, z = 64), reconstruction at z = μ": []}
    for seed in [int(s) for s in a.seeds.split(",")]:
        s = str(seed)
        ae_dir, vae_dir, beta_dir = (os.path.join(a.runs, f"{m}-seed{s}") for m in ["ae", "vae", "beta"])
        ae = run("autoencoder", ae_dir, ["--epochs", epochs, "--seed", s, "--anomaly", "fashion-mnist"], "summary.json")
        vae = run("vae", vae_dir, ["--model", "conv", "--epochs", epochs, "--seed", s, "--iw", "0", "--anomaly", "fashion-mnist"],
                  "summary.json")
        probe = run("beta-vae", beta_dir, ["--sweep", "--betas", "1e-4", "--epochs", epochs, "--seed", s, "--probe",
                                           "--ae", os.path.join(ae_dir, "checkpoint.safetensors"),
                                           "--vae", os.path.join(vae_dir, "checkpoint.safetensors")], "probe.json")
        anomaly["AE (conv, z = 64), reconstruction MSE"].append(ae["anomaly"]["auroc"])
        anomaly["VAE (conv, z = 64), −ELBO"].append(vae["anomaly"]["auroc_negative_elbo"])
        anomaly["VAE (conv, z = 64), reconstruction at z = μ"].append(vae["anomaly"]["auroc_reconstruction"])
        for encoder in probe["encoders"]:
            name = encoder["encoder"].split(" (")[0]
            for r in encoder["results"]:
                probes.setdefault((name, encoder["latent"], r["labels"]), []).append(r)

    print(f"\nseeds {a.seeds}, {a.epochs} epochs per model; test accuracy in % (mean ± s.e. over seeds)\n")
    print("| code (z) | labels | linear probe | 1-NN | 5-NN |\n|---|---|---|---|---|")
    for (name, z, labels), rs in probes.items():
        print(f"| {name} ({z}) | {labels:,} | {fmt([r['linear_probe'] for r in rs])} | {fmt([r['knn1'] for r in rs])} | "
              f"{fmt([r['knn5'] for r in rs])} |")
    print("\n| MNIST-trained model, score | AUROC, Fashion-MNIST test vs MNIST test |\n|---|---|")
    for name, values in anomaly.items():
        print(f"| {name} | {fmt(values, 1, 4)} |")


if __name__ == "__main__":
    main()
