#!/usr/bin/env python3
"""Float64 NumPy PCA of MNIST: the reference the Swift PCA (chapter 01-PCA) must match to 1e-3 relative.

Reads the four official MNIST .gz files, scales pixels to [0, 1] (x / 255), fits PCA on training images
(mean, covariance with N - 1, numpy.linalg.eigh) and reconstructs test images with the top k components:
    x_hat = mean + (x - mean) W_k^T W_k,   test MSE = mean over all test pixels of (x - x_hat)^2.

Two fits, written to pca_mnist_reference.json next to this script:
  "full":   all 60,000 training images, all 10,000 test images (what `swift run -c release pca` reports);
  "subset": the first 1,000 training images and the first 500 test images (small enough for the
            Swift test PCAReferenceTests to refit in a debug build).

Usage:
  python3 Fixtures/numpy/pca_reference.py [--data DIR]           # recompute and rewrite the JSON
  python3 Fixtures/numpy/pca_reference.py --check SUMMARY.json   # compare a chapter run's summary.json
DIR defaults to $LATENT_DATA/mnist, else ../shared/data/mnist relative to the package root.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(os.path.dirname(HERE))
REFERENCE = os.path.join(HERE, "pca_mnist_reference.json")
KS = [2, 8, 16, 32, 64, 128]
EIGENVALUES_KEPT = 128
TOLERANCE = 1e-3


def default_data_folder():
    root = os.environ.get("LATENT_DATA") or os.path.join(PACKAGE, "..", "shared", "data")
    return os.path.normpath(os.path.join(root, "mnist"))


def read_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803:
        sys.exit(f"{path}: bad IDX magic {magic:#x} at byte 0, expected 0x803")
    pixels = np.frombuffer(raw[16:], dtype=np.uint8)
    if pixels.size != count * rows * cols:
        sys.exit(f"{path}: {pixels.size} pixel bytes after the header, expected {count * rows * cols}")
    return pixels.reshape(count, rows * cols).astype(np.float64) / 255.0


def fit(train, test):
    mean = train.mean(axis=0)
    centered = train - mean
    covariance = centered.T @ centered / (train.shape[0] - 1)
    values, vectors = np.linalg.eigh(covariance)          # ascending
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    test_centered = test - mean
    mse = {}
    for k in KS:
        w = vectors[:, :k]
        reconstruction = test_centered @ w @ w.T
        mse[str(k)] = float(np.mean((test_centered - reconstruction) ** 2))
    return {
        "train_images": int(train.shape[0]),
        "test_images": int(test.shape[0]),
        "total_variance": float(np.trace(covariance)),
        "eigenvalues": [float(v) for v in values[:EIGENVALUES_KEPT]],
        "test_mse": mse,
    }


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def check(summary_path):
    with open(REFERENCE) as f:
        reference = json.load(f)["full"]
    with open(summary_path) as f:
        summary = json.load(f)
    summary = summary.get("metrics", summary)   # summaries before Dec 2026 nested the results under "metrics"
    worst = 0.0
    failures = []
    for k, expected in reference["test_mse"].items():
        got = summary["test_mse"][k]
        error = relative(got, expected)
        worst = max(worst, error)
        print(f"test MSE k={k:>3}: latent {got:.8f}  numpy {expected:.8f}  relative {error:.2e}")
        if error > TOLERANCE:
            failures.append(f"test_mse[{k}]")
    ours = summary.get("eigenvalues", [])
    for i, expected in enumerate(reference["eigenvalues"][: len(ours)]):
        error = relative(ours[i], expected)
        worst = max(worst, error)
        if error > TOLERANCE:
            failures.append(f"eigenvalue {i}: {ours[i]} vs {expected}")
    print(f"compared {len(reference['test_mse'])} MSEs and {min(len(ours), len(reference['eigenvalues']))} "
          f"eigenvalues; worst relative difference {worst:.2e} (tolerance {TOLERANCE:g})")
    if failures:
        sys.exit("MISMATCH: " + ", ".join(failures))
    print("OK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=default_data_folder(), help="folder with the four MNIST .gz files")
    parser.add_argument("--check", metavar="SUMMARY", help="compare a chapter run's summary.json with the reference")
    args = parser.parse_args()
    if args.check:
        check(args.check)
        return
    train = read_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    test = read_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    result = {
        "description": "float64 NumPy PCA of MNIST (pixels / 255, covariance / (N - 1)), made by pca_reference.py",
        "full": fit(train, test),
        "subset": fit(train[:1000], test[:500]),
    }
    with open(REFERENCE, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for name in ("full", "subset"):
        part = result[name]
        print(f"{name}: top eigenvalues {[round(v, 5) for v in part['eigenvalues'][:5]]}, test MSE {part['test_mse']}")
    print(f"wrote {REFERENCE}")


if __name__ == "__main__":
    main()
