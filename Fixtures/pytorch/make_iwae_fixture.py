#!/usr/bin/env python3
"""Writes models/iwae_step_k{1,4}.safetensors: one IWAE step (Burda, Grosse & Salakhutdinov 2016) on a
tiny version of their one-stochastic-layer model, computed by PyTorch's autograd in float64, for
`Tests/LatentTests/IWAETests.swift` to compare `iwaeStep` against.

Run from anywhere:  python3 Fixtures/pytorch/make_iwae_fixture.py   (torch from PyPI; made with 2.15)

The model is VAE.burda(inputs: [1, 3, 4], hidden: 5, latent: 3) (Latent's parameter names):

    encoder: Flatten, Linear(12, 5), Tanh, Linear(5, 5), Tanh, Linear(5, 2·3)    → (μ, log σ²)
    decoder: Linear(3, 5), Tanh, Linear(5, 5), Tanh, Linear(5, 12), Unflatten    → Bernoulli logits

The loss is written the way a PyTorch user writes it — log q(z|x) with torch.distributions.Normal at
z = μ + σ·ε, so autograd differentiates it through z, μ and σ — not the way iwaeStep does:

    log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x)       loss = −Σ_n (logsumexp_i log w_ni − log k)

Tensors: x [3, 1, 3, 4] (binary), eps [3·k, 3] (rows n·k … n·k + k − 1 belong to image n),
param.<name> (float32 values the float64 run starts from), grad.<name>, loss (shape []), log_weights [3, k].
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_case  # noqa: E402  (the one safetensors writer)

N, PIXELS, HIDDEN, Z = 3, 12, 5, 3


def case(k, seed):
    torch.manual_seed(seed)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(),
                            nn.Linear(HIDDEN, 2 * Z))
    decoder = nn.Sequential(nn.Linear(Z, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, PIXELS),
                            nn.Unflatten(1, (1, 3, 4)))
    with torch.no_grad():  # spread the weights so the k weights differ and the decoder's bias is not 0
        for p in list(encoder.parameters()) + list(decoder.parameters()):
            p.mul_(2.0)
    params = {f"encoder.{n}": p for n, p in encoder.named_parameters()}
    params.update({f"decoder.{n}": p for n, p in decoder.named_parameters()})
    start = {name: p.detach().clone() for name, p in params.items()}  # float32, what the Swift side loads
    x = (torch.rand(N, 1, 3, 4) < 0.5).float()
    eps = torch.randn(N * k, Z)

    encoder.double(), decoder.double()
    out = encoder(x.double())
    mu, log_var = out[:, :Z], out[:, Z:]
    mu_k, log_var_k = mu.repeat_interleave(k, 0), log_var.repeat_interleave(k, 0)
    std = torch.exp(0.5 * log_var_k)
    z = mu_k + std * eps.double()
    logits = decoder(z).flatten(1)
    x_k = x.double().flatten(1).repeat_interleave(k, 0)
    log_px_z = -F.binary_cross_entropy_with_logits(logits, x_k, reduction="none").sum(1)
    log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    log_qz = torch.distributions.Normal(mu_k, std).log_prob(z).sum(1)
    log_w = (log_px_z + log_pz - log_qz).view(N, k)
    loss = -(torch.logsumexp(log_w, 1) - math.log(k)).sum()
    loss.backward()

    tensors = {"x": x, "eps": eps, "loss": loss.detach().reshape([]), "log_weights": log_w.detach()}
    for name, p in params.items():
        tensors["param." + name] = start[name]
        tensors["grad." + name] = p.grad
    write_case("models", f"iwae_step_k{k}", tensors,
               {"model": "burda", "inputs": "1,3,4", "hidden": HIDDEN, "latent": Z, "samples": k, "dtype": "float64",
                "torch": torch.__version__})
    print(f"iwae_step_k{k}: loss {loss.item():.6f}")


if __name__ == "__main__":
    case(1, 11)
    case(4, 12)
