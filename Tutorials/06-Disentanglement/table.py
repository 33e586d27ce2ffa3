"""Chapter 6's table from a sweep folder (table.sh): each metric per model, mean ± standard error over
the seeds that finished, with the number of seeds and the training time.

    python3 Tutorials/06-Disentanglement/table.py runs/disentangle-table
"""
import glob, json, math, os, sys
from collections import defaultdict

sweep = sys.argv[1] if len(sys.argv) > 1 else "runs/disentangle-table"
keys = [("beta_vae_score", "β-VAE score"), ("factor_vae_score", "FactorVAE score"), ("mig", "MIG"), ("sap", "SAP"),
        ("dci_disentanglement", "DCI D"), ("dci_completeness", "DCI C"), ("dci_informativeness", "DCI I (R²)")]
groups = defaultdict(list)
for path in sorted(glob.glob(os.path.join(sweep, "*", "summary.json"))):
    s = json.load(open(path))
    if "mig" not in s:
        continue
    c = s["config"]
    groups[(c["model"], c["beta"])].append(s)

def cell(values):
    m = sum(values) / len(values)
    if len(values) < 2:
        return f"{m:.3f}"
    se = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1) / len(values))
    return f"{m:.3f} ± {se:.3f}"

print("| model | seeds | " + " | ".join(name for _, name in keys) + " | training (min, 1 thread) |")
print("|---|---|" + "---|" * len(keys) + "---|")
for (model, beta), runs in sorted(groups.items()):
    minutes = [r["config"]["training_seconds"] / 60 for r in runs]
    print(f"| {model} β = {beta:g} | {len(runs)} | " + " | ".join(cell([r[k] for r in runs]) for k, _ in keys)
          + f" | {sum(minutes) / len(minutes):.0f} |")
