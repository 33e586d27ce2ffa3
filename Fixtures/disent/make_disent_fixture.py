"""MIG and SAP of a small made-up code/factor sample, computed by disent (github.com/nmichlo/disent), an
independent implementation that follows disentanglement_lib. The Swift test feeds the same arrays to
`mutualInformationGap` and `separatedAttributePredictability` and expects the same numbers.

    pip install disent scikit-learn        (disent imports torch and torchvision)
    python3 Fixtures/disent/make_disent_fixture.py      -> Fixtures/disent/metrics.json

The sample: N = 1,000 rows of dSprites-sized factors (3, 6, 40, 32, 32), drawn uniformly, and D = 6 codes:
one clean follower of x, a noisy follower of y, a second, noisier copy of y (so y's gap is small), a mix
of scale and orientation, pure noise, and a constant dimension. Codes are rounded to float32, the type the
Swift metrics read. SAP is disent's continuous form, whose R² uses the same codes for the fit and the
score; the test passes the sample as both train and test halves, where the two definitions coincide.
"""
import json, os
import numpy as np
from disent.metrics._mig import _compute_mig
from disent.metrics._sap import _compute_sap, _compute_score_matrix
from disent.metrics import utils

rng = np.random.default_rng(7)
sizes = [3, 6, 40, 32, 32]
n = 1000
factors = np.stack([rng.integers(0, s, n) for s in sizes], axis=1)          # [N, K]
shape, scale, orientation, x, y = factors.T.astype(np.float64)
codes = np.stack([
    x / 31 * 2 - 1 + 0.02 * rng.standard_normal(n),
    y / 31 * 2 - 1 + 0.2 * rng.standard_normal(n),
    y / 31 + 0.5 * rng.standard_normal(n),
    scale / 5 - orientation / 39 + 0.1 * rng.standard_normal(n),
    rng.standard_normal(n),
    np.full(n, 0.25),
], axis=1).astype(np.float32).astype(np.float64)                             # [N, D]

mig = _compute_mig(codes.T, factors.T)["mig.discrete_score"]
mi = utils.discrete_mutual_info(utils.histogram_discretize(codes.T, num_bins=20), factors.T)
sap = _compute_sap(codes.T, factors.T, codes.T, factors.T, continuous_factors=True)["sap.score"]
sap_matrix = _compute_score_matrix(codes.T, factors.T, codes.T, factors.T, continuous_factors=True)

out = {
    "note": "made by make_disent_fixture.py with disent's _compute_mig and _compute_sap(continuous_factors=True)",
    "factor_sizes": sizes,
    "codes": codes.tolist(),
    "factors": factors.tolist(),
    "mig": float(mig),
    "mutual_information": mi.tolist(),
    "sap": float(sap),
    "sap_scores": sap_matrix.tolist(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: MIG {mig:.6f}, SAP {sap:.6f}")
