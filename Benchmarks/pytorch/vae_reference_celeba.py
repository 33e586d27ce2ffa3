"""PyTorch peer of chapter 3's CelebA VAE (seed 000): per-pixel test MSE after each epoch, measured here.

Seed 000's conv VAE at width f and latent z (reference config f = 32, z = 128), batch 32, MSE(sum) + KL,
Adam 5e-4 betas (0.5, 0.999) weight decay 1e-5, on the shared CelebA split (list_eval_partition.txt:
partition 0 = train, 2 = test) of the images present, Resize(64) + CenterCrop(64) to [-1, 1]. After every
epoch: the MSE per pixel on [0, 1] pixels of the test faces decoded from z = mu, in eval mode.

`--decoder seed` keeps the seed notebook's decoder as it really runs: its OrderedDict names two layers
'leakyrelu1', so the second entry replaces the first and the decoder has NO activation after deconv2_bn.
`--decoder fixed` puts the LeakyReLU back.

    python3 Benchmarks/pytorch/vae_reference_celeba.py --data ../shared/data/celeba --epochs 4
"""
import argparse
import json
import os
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from latent_random import LatentGenerator


def load_split(folder):
    names = {0: [], 2: []}
    with open(os.path.join(folder, "list_eval_partition.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) in names:
                if os.path.exists(os.path.join(folder, "img_align_celeba", parts[0])):
                    names[int(parts[1])].append(parts[0])

    def images(files):
        out = np.empty((len(files), 3, 64, 64), dtype=np.uint8)
        for i, name in enumerate(files):
            img = Image.open(os.path.join(folder, "img_align_celeba", name)).convert("RGB")
            w, h = img.size  # torchvision Resize(64): the short side to 64, bilinear (antialiased)
            img = img.resize((64, int(64 * h / w)) if w < h else (int(64 * w / h), 64), Image.BILINEAR)
            w, h = img.size
            left, top = int(round((w - 64) / 2.0)), int(round((h - 64) / 2.0))
            out[i] = np.asarray(img.crop((left, top, left + 64, top + 64))).transpose(2, 0, 1)
        return torch.from_numpy(out.astype(np.float32) / 127.5 - 1)

    return images(names[0]), images(names[2])


def latent_order(seed, n):
    """Chapter 3's data order of n images for `--seed seed`, epoch after epoch: its `DataLoader(seed: seed + 1)`
    draws a permutation, then one more number (the epoch's noise seed)."""
    generator = LatentGenerator(seed + 1)
    while True:
        order = generator.permutation(n)
        generator.next()
        yield order


class VAE(nn.Module):
    def __init__(self, f, z, decoder):
        super().__init__()
        self.encode_layer = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, f, 4, 2, 1)), ("bn1", nn.BatchNorm2d(f)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(f, 2 * f, 4, 2, 1)), ("bn2", nn.BatchNorm2d(2 * f)), ("relu2", nn.ReLU()),
            ("conv3", nn.Conv2d(2 * f, 4 * f, 4, 2, 1)), ("bn3", nn.BatchNorm2d(4 * f)), ("relu3", nn.ReLU())]))
        layers = [("deconv1", nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1)), ("deconv1_bn", nn.BatchNorm2d(2 * f)),
                  ("leakyrelu1", nn.LeakyReLU(0.2)),
                  ("deconv2", nn.ConvTranspose2d(2 * f, f, 4, 2, 1)), ("deconv2_bn", nn.BatchNorm2d(f))]
        if decoder == "fixed":
            layers.append(("leakyrelu2", nn.LeakyReLU(0.2)))
        layers += [("deconv3", nn.ConvTranspose2d(f, 3, 4, 2, 1)), ("tanh3", nn.Tanh())]
        self.decode_layer = nn.Sequential(OrderedDict(layers))
        self.fc1 = nn.Linear(4 * f * 8 * 8, z)
        self.fc2 = nn.Linear(4 * f * 8 * 8, z)
        self.d1 = nn.Linear(z, 4 * f * 8 * 8)
        self.f = f

    def encode(self, x):
        h = self.encode_layer(x).flatten(1)
        return self.fc1(h), self.fc2(h)

    def decode(self, z):
        return self.decode_layer(self.d1(z).view(-1, 4 * self.f, 8, 8))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/celeba"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--latent", type=int, default=128)
    parser.add_argument("--decoder", choices=["seed", "fixed"], default="seed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--order", choices=["torch", "latent"], default="torch",
                        help="data order: torch.randperm, or chapter 3's shuffle for the same --seed")
    parser.add_argument("--json", help="also write {\"test_mse_per_epoch\": [...]} to this file")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train, test = load_split(args.data)
    print(f"{len(train)} train, {len(test)} test faces", flush=True)
    model = VAE(args.filters, args.latent, args.decoder)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.5, 0.999), weight_decay=1e-5)
    start = time.time()
    per_epoch = []
    shuffle = latent_order(args.seed, len(train)) if args.order == "latent" else None
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.tensor(next(shuffle)) if shuffle else torch.randperm(len(train))
        for first in range(0, len(train), 32):
            x = train[order[first:first + 32]]
            mu, logvar = model.encode(x)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            loss = F.mse_loss(model.decode(z), x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            mse = sum(F.mse_loss(model.decode(model.encode(test[i:i + 100])[0]), test[i:i + 100], reduction="sum").item()
                      for i in range(0, len(test), 100)) / (test.numel() * 4)
        per_epoch.append(mse)
        print(f"epoch {epoch}: test MSE per pixel on [0,1] (z = mu, eval mode) {mse:.5f}  ({time.time() - start:.0f} s)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "test_mse_per_epoch": per_epoch}, f)


if __name__ == "__main__":
    main()
