#!/usr/bin/env python3
"""Writes auroc.json: scores and labels with many ties, and scikit-learn's roc_auc_score of each case.

    pip install scikit-learn && python3 Fixtures/sklearn/make_auroc_fixture.py
"""
import json, os
import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(2024)
cases = []
for n_pos, n_neg, levels in [(7, 5, 4), (40, 60, 10), (300, 200, 1000), (1, 9, 3)]:
    # Scores on a coarse grid so that ties within and across the classes are common; positives shifted up.
    pos = np.round(rng.normal(0.5, 1, n_pos) * levels) / levels
    neg = np.round(rng.normal(0.0, 1, n_neg) * levels) / levels
    y = np.r_[np.ones(n_pos), np.zeros(n_neg)]
    s = np.r_[pos, neg]
    cases.append({"positives": pos.tolist(), "negatives": neg.tolist(), "roc_auc_score": float(roc_auc_score(y, s))})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "auroc.json")
with open(out, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
print("wrote", out)
