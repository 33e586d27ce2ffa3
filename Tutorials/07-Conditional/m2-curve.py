#!/usr/bin/env python3
"""M2's test error per epoch, one line per label subset, beside Kingma et al.'s interval (standard library only).

    python3 Tutorials/07-Conditional/m2-curve.py runs/ch7 Tutorials/07-Conditional/figures

Reads <runs>/m2-long-seed<S>/summary.json (written by `cvae --model m2 ... --out <runs>/m2-long-seed<S>`),
prints the table rows the chapter shows (error at epoch 5 and at the last common epoch, the mean of the last
five epochs, the labels-only classifier) and writes <figures>/m2-error-curve.svg.
"""
import json, math, os, re, statistics, sys

runs, figures = sys.argv[1], sys.argv[2]
PAPER, PAPER_SD = 11.97, 1.71  # Kingma et al. 2014, Table 1: M2 with 100 labels, mean ± s.d.

curves, baselines = {}, {}
for name in sorted(os.listdir(runs)):
    m = re.fullmatch(r"m2-long-seed(\d+)", name)
    path = os.path.join(runs, name, "summary.json")
    if m and os.path.exists(path):
        with open(path) as f:
            summary = json.load(f)
        seed = int(m.group(1))
        curves[seed] = [100 * e for e in summary["test_error_per_epoch"]]
        baselines[seed] = 100 * summary["labels_only_error"]
if not curves:
    sys.exit(f"no m2-long-seed<S>/summary.json under {runs}")

n = min(len(c) for c in curves.values())
def mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else float("nan"))

columns = [("M2, epoch 5", lambda c: c[4]), (f"M2, epoch {n}", lambda c: c[n - 1]),
           (f"M2, mean of epochs {n - 4}–{n}", lambda c: statistics.mean(c[n - 5:n]))]
print("| label seed | " + " | ".join(name for name, _ in columns) + " | labels-only classifier |")
print("|---" * (len(columns) + 2) + "|")
for seed, c in sorted(curves.items()):
    print(f"| {seed} | " + " | ".join(f"{value(c):.2f} %" for _, value in columns) + f" | {baselines[seed]:.2f} % |")
summaries = [[value(c) for c in curves.values()] for _, value in columns] + [list(baselines.values())]
print("| **mean ± s.d.** | " + " | ".join("**{:.2f} ± {:.2f} %**".format(*mean_sd(v)) for v in summaries) + " |")
print("per-epoch mean:", " ".join(f"{statistics.mean(c[i] for c in curves.values()):.2f}" for i in range(n)))

# The figure: error (%) against epoch, the paper's mean ± s.d. as a band.
w, h, left, right, top, bottom = 640, 380, 56, 150, 36, 44
ymax = 5 * math.ceil(max(max(c) for c in curves.values()) / 5)
xs = lambda e: left + (e - 1) / max(n - 1, 1) * (w - left - right)
ys = lambda v: top + (1 - v / ymax) * (h - top - bottom)
colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{(w - right + left) / 2}" y="20" text-anchor="middle" font-size="14">M2 with 100 labels: MNIST test error per epoch</text>',
       f'<rect x="{left}" y="{ys(PAPER + PAPER_SD):.1f}" width="{w - left - right}" height="{ys(PAPER - PAPER_SD) - ys(PAPER + PAPER_SD):.1f}" fill="#dddddd"/>',
       f'<line x1="{left}" y1="{ys(PAPER):.1f}" x2="{w - right}" y2="{ys(PAPER):.1f}" stroke="black" stroke-dasharray="5,4"/>',
       f'<text x="{w - right + 6}" y="{ys(PAPER) + 4:.1f}">paper {PAPER} ± {PAPER_SD} %</text>']
for v in range(0, ymax + 1, 5):
    svg.append(f'<line x1="{left - 4}" y1="{ys(v):.1f}" x2="{left}" y2="{ys(v):.1f}" stroke="black"/>')
    svg.append(f'<text x="{left - 7}" y="{ys(v) + 4:.1f}" text-anchor="end">{v}</text>')
for e in sorted({1, n} | set(range(5, n + 1, 5))):
    svg.append(f'<line x1="{xs(e):.1f}" y1="{h - bottom}" x2="{xs(e):.1f}" y2="{h - bottom + 4}" stroke="black"/>')
    svg.append(f'<text x="{xs(e):.1f}" y="{h - bottom + 17}" text-anchor="middle">{e}</text>')
svg += [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
        f'<text x="{(w - right + left) / 2}" y="{h - 8}" text-anchor="middle">epoch</text>',
        f'<text x="16" y="{(h - bottom + top) / 2}" text-anchor="middle" transform="rotate(-90 16 {(h - bottom + top) / 2})">test error (%)</text>']
for i, (seed, c) in enumerate(sorted(curves.items())):
    color = colors[i % len(colors)]
    points = " ".join(f"{xs(e + 1):.1f},{ys(v):.1f}" for e, v in enumerate(c[:n]))
    svg.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>')
    svg.append(f'<line x1="{left}" y1="{ys(baselines[seed]):.1f}" x2="{w - right}" y2="{ys(baselines[seed]):.1f}" stroke="{color}" stroke-dasharray="2,3"/>')
    svg.append(f'<text x="{w - right + 6}" y="{top + 16 * i + 20}" fill="{color}">label seed {seed}</text>')
svg.append(f'<text x="{w - right + 6}" y="{top + 16 * len(curves) + 28}">dotted: labels-only</text>')
svg.append(f'<text x="{w - right + 6}" y="{top + 16 * len(curves) + 44}">classifier, same seed</text>')
svg.append("</svg>")
os.makedirs(figures, exist_ok=True)
out = os.path.join(figures, "m2-error-curve.svg")
with open(out + ".tmp", "w") as f:
    f.write("\n".join(svg) + "\n")
os.replace(out + ".tmp", out)
print("wrote", out)
