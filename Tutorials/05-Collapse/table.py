#!/usr/bin/env python3
"""Chapter 5's remedy table and figures from the sweep's summary.json files (standard library only).

    python3 Tutorials/05-Collapse/table.py runs/collapse-table Tutorials/05-Collapse/figures

Prints one markdown table per model (mean ± standard error over the seeds) and writes
kl-per-dimension-<model>.svg (the sorted KL per latent dimension of each remedy, first seed) and
copies the per-step β / KL / reconstruction charts of the warm-up and cyclical runs (first seed).
"""
import json, math, os, re, shutil, sys
from collections import defaultdict

sweep, figures = sys.argv[1], sys.argv[2]
ORDER = ["plain", "beta4", "warmup", "cyclical", "freebits0.5", "freebits1", "learnedsigma"]
LABEL = {"plain": "plain ELBO", "beta4": "β = 4", "warmup": "KL warm-up", "cyclical": "cyclical β",
         "freebits0.5": "free bits λ = 0.5", "freebits1": "free bits λ = 1", "learnedsigma": "learned σ (σ-VAE)"}

runs = defaultdict(list)  # (model, remedy) -> [(seed, summary)]
for name in sorted(os.listdir(sweep)):
    m = re.fullmatch(r"(dense|conv|rows|celeba)-(.+)-s(\d+)", name)
    path = os.path.join(sweep, name, "summary.json")
    if m and os.path.exists(path):
        with open(path) as f:
            runs[(m.group(1), m.group(2))].append((int(m.group(3)), json.load(f)))

for key in runs:  # dimensions carrying more than 0.1 nats, beside the active-unit rule
    for _, s in runs[key]:
        s["dims_over_0.1"] = sum(1 for v in s["kl_per_dimension"] if v > 0.1)

def stat(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not values:
        return None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float("nan")
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var / len(values))

def cell(values, digits):
    s = stat(values)
    if s is None:
        return "—"
    mean, se = s
    return f"{mean:.{digits}f} ± {se:.{digits}f}" if not math.isnan(se) else f"{mean:.{digits}f}"

COLUMNS = [("test ELBO", "test_elbo", 2), ("IW log p(x), K=1000", "test_log_px_iw", 2), ("KL", "test_kl", 2),
           ("I(x; z)", "mutual_information", 2), ("KL(q(z) ‖ p(z))", "marginal_kl", 2),
           ("active units", "active_units", 1), ("dims with KLⱼ > 0.1", "dims_over_0.1", 1), ("MSE at μ", "test_mse_at_mu", 4), ("decoder σ²", "decoder_variance", 4),
           ("train s", "train_seconds", 0)]
for model in ["dense", "conv", "rows", "celeba"]:
    rows = [r for r in ORDER if (model, r) in runs]
    if not rows:
        continue
    first = runs[(model, rows[0])][0][1]["config"]
    print(f"\n### {model}: z = {first['latent']}, {first['epochs']} epochs, {first['train_images']} training images, "
          f"seeds {sorted(s for s, _ in runs[(model, rows[0])])}")
    cols = [c for c in COLUMNS if any(s.get(c[1]) is not None for r in rows for _, s in runs[(model, r)])]
    print("| remedy | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for r in rows:
        print(f"| {LABEL[r]} | " + " | ".join(cell([s.get(c[1]) for _, s in runs[(model, r)]], c[2]) for c in cols) + " |")

print("\n### Per seed\n\n| model | remedy | seed | test ELBO | IW log p(x) | KL | I(x; z) | active | KLⱼ > 0.1 | MSE at μ | train s |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for model in ["dense", "conv", "rows", "celeba"]:
    for r in ORDER:
        for seed, s in sorted(runs.get((model, r), []), key=lambda p: p[0]):
            iw = s.get("test_log_px_iw")
            print(f"| {model} | {LABEL[r]} | {seed} | {s['test_elbo']:.2f} | {'—' if iw is None else f'{iw:.2f}'} | {s['test_kl']:.2f} | "
                  f"{s['mutual_information']:.2f} | {int(s['active_units'])} | {s['dims_over_0.1']} | {s['test_mse_at_mu']:.4f} | {s['train_seconds']:.0f} |")

# ---- Figures: sorted KL per dimension of each remedy (first seed), small multiples in one SVG --------
os.makedirs(figures, exist_ok=True)
for model in ["dense", "conv", "rows", "celeba"]:
    rows = [r for r in ORDER if (model, r) in runs]
    if not rows:
        continue
    panels = []
    for r in rows:
        seed, s = min(runs[(model, r)], key=lambda p: p[0])
        panels.append((f"{LABEL[r]} (seed {seed}): KL {s['test_kl']:.1f} nats, {int(s['active_units'])} active",
                       sorted(s["kl_per_dimension"], reverse=True)))
    w, ph, left = 760, 120, 60
    svg = [f'<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{ph * len(panels) + 40}" font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">{model}: KL per latent dimension, most first (test set, nats; each panel its own scale)</text>']
    for i, (title, values) in enumerate(panels):
        y0 = 40 + i * ph
        top = max(max(values), 1e-9)  # each panel on its own scale (its largest dimension)
        base, height = y0 + ph - 25, ph - 45
        svg.append(f'<text x="{left}" y="{y0 + 12}">{title}</text>')
        svg.append(f'<line x1="{left}" y1="{base}" x2="{w - 20}" y2="{base}" stroke="black"/>')
        svg.append(f'<line x1="{left}" y1="{base}" x2="{left}" y2="{base - height}" stroke="black"/>')
        svg.append(f'<text x="{left - 5}" y="{base - height + 4}" text-anchor="end">{top:.2f}</text>')
        svg.append(f'<text x="{left - 5}" y="{base + 4}" text-anchor="end">0</text>')
        bw = (w - 20 - left) / len(values)
        for j, v in enumerate(values):
            h = max(v, 0) / top * height
            svg.append(f'<rect x="{left + j * bw + 0.5:.1f}" y="{base - h:.1f}" width="{max(bw - 1, 0.5):.1f}" height="{h:.1f}" fill="#1f77b4"/>')
    svg.append("</svg>")
    with open(os.path.join(figures, f"kl-per-dimension-{model}.svg"), "w") as f:
        f.write("\n".join(svg) + "\n")
    for r in ["warmup", "cyclical"]:
        if (model, r) in runs:
            seed = min(p[0] for p in runs[(model, r)])
            source = os.path.join(sweep, f"{model}-{r}-s{seed}", "steps.svg")
            if os.path.exists(source):
                shutil.copy(source, os.path.join(figures, f"{model}-{r}-steps.svg"))
print(f"\nfigures written to {figures}")
