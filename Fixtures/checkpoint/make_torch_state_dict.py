"""A PyTorch-written checkpoint that Latent must load and reproduce, without torch at test time.

Builds seed 000's CelebA VAE at width f = 2, z = 4 (module names as Latent's `VAE.celeba`), trains it
for three Adam steps in PyTorch so BatchNorm's running statistics are not the initial ones, saves its
state_dict with `safetensors.torch.save_file` (PyTorch's own writer), and saves beside it the
evaluation-mode output decoder(mu(x)) for two fixed images (the same byte formula as the parity
fixture, so the images need not be stored):

    python3 Fixtures/checkpoint/make_torch_state_dict.py
writes Fixtures/checkpoint/torch_vae_celeba.safetensors and torch_vae_celeba_output.safetensors;
`TorchCheckpointTests` loads the first with `Checkpoint.loadStateDict` and compares with the second.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
from make_fixtures import celeba_vae, vae_celeba_image_bytes  # noqa: E402  (the parity fixture's model and images)


def images(first, count):
    """The parity fixture's images by formula, as [-1, 1] floats (`VAETrainingParityTests.images`)."""
    return vae_celeba_image_bytes(first, count).float() / 127.5 - 1


def main():
    torch.manual_seed(2024)
    torch.set_num_threads(1)
    f, z = 2, 4
    encoder, decoder = celeba_vae(f, z)
    model = nn.ModuleDict({"encoder": encoder, "decoder": decoder})
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(3):
        x = images(8 * step, 8)
        h = encoder(x)
        mu, logvar = h[:, :z], h[:, z:]
        loss = F.mse_loss(decoder(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)), x, reduction="sum") \
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        x = images(100, 2)
        output = decoder(encoder(x)[:, :z])
    folder = os.path.dirname(os.path.abspath(__file__))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(folder, "torch_vae_celeba.safetensors"))
    save_file({"output": output.contiguous()}, os.path.join(folder, "torch_vae_celeba_output.safetensors"),
              metadata={"torch": torch.__version__, "images": "100..101 by the byte formula", "mode": "eval"})
    print("wrote torch_vae_celeba.safetensors and torch_vae_celeba_output.safetensors with torch", torch.__version__)


if __name__ == "__main__":
    main()
