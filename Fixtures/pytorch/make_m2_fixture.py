#!/usr/bin/env python3
"""Writes models/m2_step.safetensors: one step of Kingma et al.'s (2014) M2, the semi-supervised VAE, on
a tiny model, computed by PyTorch's autograd in float64, for `Tests/LatentTests/M2FixtureTests.swift` to
compare `m2Step` against.

Run from anywhere:  python3 Fixtures/pytorch/make_m2_fixture.py   (torch from PyPI; made with 2.13, CPU)

The model is SemiSupervisedVAE.dense(inputs: [1, 3, 4], classes: 3, hidden: 5, latent: 2) (Latent's
parameter names):

    encoder:    Linear(12 + 3, 5), ReLU, Linear(5, 2·2)               [x, y] → (μ, log σ²)    q(z|x, y)
    decoder:    Linear(2 + 3, 5), ReLU, Linear(5, 12), Unflatten      [z, y] → Bernoulli logits p(x|z, y)
    classifier: Flatten, Linear(12, 5), ReLU, Linear(5, 3)            x → logits               q(y|x)

The loss is written the way a PyTorch user writes M2 — the KL by torch.distributions.kl_divergence,
log p(y) by a uniform Categorical, H(q(y|x)) by Categorical.entropy(), the sum over labels as a
broadcast over an [N_u, classes] table — not the way m2Step does:

    L(x, y) = BCE-with-logits summed over pixels + KL(N(μ, σ²) ‖ N(0, I)) − log p(y)    z = μ + σ·ε
    U(x)    = Σ_y q(y|x) L(x, y) − H(q(y|x))
    loss    = mean over labelled L(x, y) + mean over unlabelled U(x) + α · cross_entropy(logits, labels)

Tensors: x_labelled [4, 1, 3, 4] and x_unlabelled [3, 1, 3, 4] (binary), labels [4] (class indices as
floats), eps_labelled [4, 2], eps_unlabelled [3·3, 2] (row i·3 + c: image i with label c),
param.<name> (float32 values the float64 run starts from), grad.<name>, loss, labelled, unlabelled,
cross_entropy, entropy (shape []), per_class [3, 3] (L(x, y) of each unlabelled image and label),
grad.unlabelled_logits [3, 3] (∂loss/∂ the classifier's logits on the unlabelled images).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal, kl_divergence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_case  # noqa: E402  (the one safetensors writer)

N_L, N_U, PIXELS, CLASSES, HIDDEN, Z = 4, 3, 12, 3, 5, 2
ALPHA = 2.5
LABELS = [0, 2, 1, 2]


def main(seed=22):
    torch.manual_seed(seed)
    encoder = nn.Sequential(nn.Linear(PIXELS + CLASSES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 2 * Z))
    decoder = nn.Sequential(nn.Linear(Z + CLASSES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, PIXELS), nn.Unflatten(1, (1, 3, 4)))
    classifier = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
    with torch.no_grad():  # spread the weights so q(y|x) is far from uniform and the labels' bounds differ
        for p in list(encoder.parameters()) + list(decoder.parameters()) + list(classifier.parameters()):
            p.mul_(2.0)
    params = {f"encoder.{n}": p for n, p in encoder.named_parameters()}
    params.update({f"decoder.{n}": p for n, p in decoder.named_parameters()})
    params.update({f"classifier.{n}": p for n, p in classifier.named_parameters()})
    start = {name: p.detach().clone() for name, p in params.items()}  # float32, what the Swift side loads
    x_l = (torch.rand(N_L, 1, 3, 4) < 0.5).float()
    x_u = (torch.rand(N_U, 1, 3, 4) < 0.5).float()
    eps_l = torch.randn(N_L, Z)
    eps_u = torch.randn(N_U * CLASSES, Z)

    for net in (encoder, decoder, classifier):
        net.double()
    prior_y = Categorical(probs=torch.full((CLASSES,), 1.0 / CLASSES, dtype=torch.float64))

    def neg_elbo(x, y, eps):
        """L(x, y) per row: x [B, 1, 3, 4], y [B] labels, eps [B, z]."""
        y1 = F.one_hot(y, CLASSES).double()
        mu, log_var = encoder(torch.cat([x.flatten(1), y1], 1)).chunk(2, dim=1)
        q_z = Normal(mu, torch.exp(0.5 * log_var))
        z = mu + q_z.scale * eps  # the reparameterization with the fixture's ε
        logits = decoder(torch.cat([z, y1], 1))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        kl = kl_divergence(q_z, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(1)
        return rec + kl - prior_y.log_prob(y)

    x_l64, x_u64 = x_l.double(), x_u.double()
    labels = torch.tensor(LABELS)
    # Labelled: the bound with the true label, and the classifier's cross-entropy.
    labelled = neg_elbo(x_l64, labels, eps_l.double()).mean()
    cross_entropy = F.cross_entropy(classifier(x_l64), labels)
    # Unlabelled: every image with every label (row i·C + c), weighted by q(y|x), minus the entropy.
    every_x = x_u64.repeat_interleave(CLASSES, 0)
    every_y = torch.arange(CLASSES).repeat(N_U)
    per_class = neg_elbo(every_x, every_y, eps_u.double()).view(N_U, CLASSES)
    logits_u = classifier(x_u64)
    logits_u.retain_grad()
    q_y = Categorical(logits=logits_u)
    entropy = q_y.entropy()
    unlabelled = ((q_y.probs * per_class).sum(1) - entropy).mean()
    loss = labelled + unlabelled + ALPHA * cross_entropy
    loss.backward()

    scalar = lambda t: t.detach().reshape([])  # noqa: E731
    tensors = {"x_labelled": x_l, "x_unlabelled": x_u, "labels": labels.float(), "eps_labelled": eps_l,
               "eps_unlabelled": eps_u, "loss": scalar(loss), "labelled": scalar(labelled),
               "unlabelled": scalar(unlabelled), "cross_entropy": scalar(cross_entropy),
               "entropy": scalar(entropy.mean()), "per_class": per_class.detach(),
               "grad.unlabelled_logits": logits_u.grad}
    for name, p in params.items():
        tensors["param." + name] = start[name]
        tensors["grad." + name] = p.grad
    write_case("models", "m2_step", tensors,
               {"model": "SemiSupervisedVAE.dense", "inputs": "1,3,4", "classes": CLASSES, "hidden": HIDDEN,
                "latent": Z, "alpha": ALPHA, "dtype": "float64", "torch": torch.__version__})
    q = q_y.probs.detach()
    print(f"m2_step: loss {loss.item():.6f} (L {labelled.item():.4f}, U {unlabelled.item():.4f}, "
          f"CE {cross_entropy.item():.4f}, H {entropy.mean().item():.4f}); q(y|x) {q.numpy().round(3).tolist()}")


if __name__ == "__main__":
    main()
