"""PyTorch peer of chapter 3's dense VAE on binarized MNIST: the reference numbers, measured here.

The pytorch/examples VAE (784-400-z-400-784, ReLU, z = 20), Adam lr 1e-3, batch 128, the training
images binarized afresh in every batch, the test images binarized once (by default exactly as chapter 3
does it, so both evaluate on the same bits). After the epochs
listed in --report it prints the test ELBO (one z sample per image, all 10,000 test images) and the
importance-weighted log p(x) (K samples, the first --iw-images test images), in nats per image.

    python3 Benchmarks/pytorch/vae_reference_mnist.py --data ../shared/data/mnist --epochs 10 --seed 0
"""
import argparse
import json
import gzip
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from latent_random import LatentGenerator


def latent_binarization(pixels, seed):
    """Latent's `ImageSet.binarized(seed:)`, bit for bit: one 24-bit uniform per pixel in order from
    `SeededGenerator(seed)`, pixel on when uniform < byte/255 (both float32)."""
    uniform = (LatentGenerator(seed).draws(pixels.size) >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    p = pixels.reshape(-1).astype(np.float32) / np.float32(255)
    return (uniform < p).astype(np.float32).reshape(pixels.shape)


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)


class VAE(nn.Module):
    def __init__(self, z=20, hidden=400):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, z)
        self.fc22 = nn.Linear(hidden, z)
        self.fc3 = nn.Linear(z, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))


def elbo_terms(model, x, generator):
    mu, logvar = model.encode(x)
    eps = torch.randn(mu.shape, generator=generator)
    z = mu + torch.exp(0.5 * logvar) * eps
    rec = F.binary_cross_entropy_with_logits(model.decode_logits(z), x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return rec, kl


@torch.no_grad()
def test_elbo(model, x_test, seed):
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for start in range(0, len(x_test), 500):
        rec, kl = elbo_terms(model, x_test[start:start + 500], g)
        total += (rec + kl).item()
    return -total / len(x_test)


@torch.no_grad()
def importance_weighted(model, x, k, seed):
    g = torch.Generator().manual_seed(seed)
    log2pi = math.log(2 * math.pi)
    estimates = []
    for i in range(len(x)):
        xi = x[i:i + 1]
        mu, logvar = model.encode(xi)
        eps = torch.randn((k, mu.shape[1]), generator=g)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = model.decode_logits(z)
        log_px_z = -F.binary_cross_entropy_with_logits(logits, xi.expand(k, -1), reduction="none").sum(1)
        log_pz = -0.5 * (z.pow(2) + log2pi).sum(1)
        log_qz = -0.5 * (eps.pow(2) + logvar + log2pi).sum(1)
        w = (log_px_z + log_pz - log_qz).double()
        estimates.append((torch.logsumexp(w, 0) - math.log(k)).item())
    return sum(estimates) / len(estimates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/mnist"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--report", default="5,10", help="epochs after which to evaluate")
    parser.add_argument("--iw", type=int, default=1000)
    parser.add_argument("--iw-images", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--binarization", choices=["latent", "torch"], default="latent",
                        help="the fixed test binarization: Latent's (seed 12345, identical to chapter 3's) or torch.bernoulli's")
    parser.add_argument("--json", help="also write the reported numbers per epoch to this file")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x_train = torch.from_numpy(read_idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    test_bytes = read_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    if args.binarization == "latent":  # the very test set chapter 3 evaluates on
        x_test = torch.from_numpy(latent_binarization(test_bytes, 12345))
    else:
        x_test = torch.bernoulli(torch.from_numpy(test_bytes.astype(np.float32) / 255), generator=torch.Generator().manual_seed(12345))
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    report = {int(e) for e in args.report.split(",")}
    start = time.time()
    reported = {}
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train))
        for first in range(0, len(x_train), 128):
            x = torch.bernoulli(x_train[order[first:first + 128]])  # binarized afresh each batch
            rec, kl = elbo_terms(model, x, None)
            optimizer.zero_grad()
            (rec + kl).backward()
            optimizer.step()
        line = f"epoch {epoch} ({time.time() - start:.0f} s)"
        if epoch in report:
            model.eval()
            elbo = test_elbo(model, x_test, 777)
            reported[epoch] = {"test_elbo": elbo}
            line += f": test ELBO {elbo:.2f}"
            if args.iw > 0:
                iw = importance_weighted(model, x_test[:args.iw_images], args.iw, 999)
                subset = test_elbo(model, x_test[:args.iw_images], 777)
                reported[epoch]["test_nll_iw"] = iw
                line += f", IW log p(x) K={args.iw} first {args.iw_images}: {iw:.2f} (their ELBO {subset:.2f})"
        print(line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "epochs": {str(e): v for e, v in reported.items()}}, f)


if __name__ == "__main__":
    main()
