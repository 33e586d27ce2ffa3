"""Cross-check of chapter 6's metrics with disent (github.com/nmichlo/disent, `pip install disent scikit-learn`),
an independent implementation that follows disentanglement_lib. For each run folder it reads the codes and
factors the chapter scored (codes.csv: the shared sample, split train/test as the chapter split it) and the
chapter's numbers (summary.json), runs disent's own functions on the very same arrays, and prints a table.

    python3 Tutorials/06-Disentanglement/crosscheck.py runs/disentangle-table/*-s[123]

What is compared:
  MIG      disent `_compute_mig` (20-bin histogram, sklearn mutual_info_score) on all codes: should agree to 1e-6.
  SAP      disent `_compute_sap(continuous_factors=True)`: R² = cov²/(var·var) on the training codes; the chapter
           fits the line on train and scores R² on test, so they differ by sampling only (≲ 0.01).
           Also disent's discrete variant (a LinearSVC per code and factor), a different score.
  DCI      disent `_compute_dci`: gradient-boosted trees' feature importances; the chapter uses a Lasso. Not
           the same regressor, so not the same number: the table shows how far apart they are.
The β-VAE and FactorVAE scores draw their own images, so they cannot be fed the same arrays; they are not compared.
"""
import csv, json, os, sys
import numpy as np
from disent.metrics._mig import _compute_mig
from disent.metrics._sap import _compute_sap
from disent.metrics._dci import _compute_dci


def load(folder):
    with open(os.path.join(folder, "codes.csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    nz = sum(1 for h in header if h.startswith("z"))
    split = np.array([r[0] for r in rows])
    codes = np.array([[float(v) for v in r[1:1 + nz]] for r in rows])
    factors = np.array([[int(v) for v in r[1 + nz:]] for r in rows])
    return split, codes, factors


print("| run | MIG ours | MIG disent | SAP ours | SAP disent (R², continuous) | SAP disent (LinearSVC) | DCI-D ours (Lasso) | DCI-D disent (GBT) | DCI-C ours | DCI-C disent |")
print("|---|---|---|---|---|---|---|---|---|---|")
for folder in sys.argv[1:]:
    summary = json.load(open(os.path.join(folder, "summary.json")))
    split, codes, factors = load(folder)
    tr, te = split == "train", split == "test"
    mig = _compute_mig(codes.T, factors.T)["mig.discrete_score"]
    sap_c = _compute_sap(codes[tr].T, factors[tr].T, codes[te].T, factors[te].T, continuous_factors=True)["sap.score"]
    sap_d = _compute_sap(codes[tr].T, factors[tr].T, codes[te].T, factors[te].T, continuous_factors=False)["sap.score"]
    dci = _compute_dci(codes[tr].T, factors[tr].T, codes[te].T, factors[te].T)
    print(f"| {os.path.basename(folder.rstrip('/'))} | {summary['mig']:.6f} | {mig:.6f} | {summary['sap']:.3f} | {sap_c:.3f} | {sap_d:.3f} "
          f"| {summary['dci_disentanglement']:.3f} | {dci['dci.disentanglement']:.3f} | {summary['dci_completeness']:.3f} | {dci['dci.completeness']:.3f} |")
