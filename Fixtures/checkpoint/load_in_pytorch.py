"""Proves a Latent checkpoint of seed 001's conv autoencoder opens in PyTorch and computes the same outputs.

Usage:
    python3 load_in_pytorch.py CHECKPOINT.safetensors REFERENCE.safetensors

CHECKPOINT is written by Latent's `Checkpoint.save` for `ConvAutoencoder` (the Swift test
`AutoencoderCheckpointTests` writes both files and calls this script). REFERENCE holds `input`
[N, 1, 28, 28] and `output`, the reconstruction Latent computed in evaluation mode. The script:

1. opens the checkpoint with `safetensors.torch.load_file` (the file format is safetensors),
2. loads the model tensors into a PyTorch module tree with the same names, `strict=True`
   (so every parameter and buffer name and shape must match, num_batches_tracked as int64),
3. loads the Adam moments into a `torch.optim.Adam` state for the same parameters,
4. runs the model in eval mode on `input` and compares with Latent's `output`.

It prints the worst difference and exits 0 when it is below 1e-5, 1 otherwise; run without
arguments it prints this text and exits 2.
"""
import sys

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file


class SeedAutoencoder(nn.Module):
    """Seed 001's conv AE with Latent's module tree: encoder.<i>, decoder.<i> (decoder.0 the Linear)."""

    def __init__(self, nz):
        super().__init__()
        self.encoder, self.decoder = seed_encoder_decoder(nz)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def seed_encoder_decoder(nz):
    """The two Sequentials of seed 001's AE (the seed's Reshape is an Unflatten inside the decoder)."""
    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(),
        nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.LeakyReLU(),
        nn.Conv2d(64, 128, 3, stride=2), nn.BatchNorm2d(128), nn.LeakyReLU(),
        nn.Conv2d(128, 256, 3), nn.BatchNorm2d(256), nn.LeakyReLU(),
        nn.Flatten(), nn.Linear(256, nz))
    decoder = nn.Sequential(
        nn.Linear(nz, 256), nn.Unflatten(1, (256, 1, 1)), nn.BatchNorm2d(256), nn.LeakyReLU(),
        nn.ConvTranspose2d(256, 128, 3), nn.BatchNorm2d(128), nn.LeakyReLU(),
        nn.ConvTranspose2d(128, 64, 3, stride=2), nn.BatchNorm2d(64), nn.LeakyReLU(),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.BatchNorm2d(32), nn.LeakyReLU(),
        nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid())
    return encoder, decoder


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    tensors = load_file(argv[1])
    reference = load_file(argv[2])
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    nz = state["encoder.12.weight"].shape[0]
    model = SeedAutoencoder(nz)
    model.load_state_dict(state, strict=True)
    tracked = state["encoder.3.num_batches_tracked"]
    assert tracked.dtype == torch.int64 and tracked.dim() == 0, tracked

    with safe_open(argv[1], framework="pt") as f:
        metadata = f.metadata()
    optimizer = torch.optim.Adam(model.parameters(), lr=float(metadata["optimizer.lr"]))
    names = [name for name, _ in model.named_parameters()]
    for name, parameter in model.named_parameters():
        optimizer.state[parameter] = {
            "step": torch.tensor(float(metadata["optimizer.step"])),
            "exp_avg": tensors[f"optimizer.state.{name}.exp_avg"],
            "exp_avg_sq": tensors[f"optimizer.state.{name}.exp_avg_sq"],
        }
    print(f"loaded {len(state)} model tensors and Adam moments for {len(names)} parameters "
          f"(step {metadata['optimizer.step']}, epoch {metadata['epoch']}) from {argv[1]}")

    model.eval()
    with torch.no_grad():
        output = model(reference["input"])
    worst = (output - reference["output"]).abs().max().item()
    print(f"PyTorch vs Latent reconstruction of {reference['input'].shape[0]} images: max |difference| = {worst:.3g}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
