#!/usr/bin/env python3
"""Writes the PyTorch parity fixtures Latent's tests compare against.

Run from anywhere:  python3 Fixtures/pytorch/make_fixtures.py   (needs torch from PyPI; tested with 2.15)

Every case is one file `<group>/<case>.safetensors` next to this script, in the safetensors layout:

    8 bytes    little-endian uint64 n, the length of the JSON header
    n bytes    JSON header: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...],
               "data_offsets": [begin, end]}, ...} (padded with spaces to a multiple of 8)
    the rest   raw little-endian float32 data, row-major, at [begin, end) of this part

Metadata holds the case's configuration as strings (PyTorch argument names). Tensor names:

  layers/      input, output, grad_output (a random upstream gradient), grad_input,
               param.<name> (weights set before forward), grad.<name> (after backward),
               buffer.<name> (running statistics before forward), buffer_after.<name> (after it)
  losses/      input.<argument> (Latent's argument names), loss (shape []), grad.<argument>
  optimizers/  input, target, param.<name> (initial), step<k>.loss, step<k>.grad.<name> (the gradient
               step k used), step<k>.param.<name> (after step k), k = 1…5, and the final optimizer
               state: state.exp_avg.<name>, state.exp_avg_sq.<name> (Adam), state.momentum_buffer.<name> (SGD)
  models/      vae_celeba_steps: seed 000's CelebA VAE (f = 2, z = 4) trained for three Adam steps as chapter 3
               does, on batches of 32, 29 and again the first 32 synthetic 64×64 images (bytes from a formula,
               so not stored);
               param.<name> and buffer.<name> (initial), step<k>.eps (the ε of step k), step<k>.loss,
               final.param.<name> and final.buffer.<name> (after the last step). Computed in float64.

Everything is float32 with fixed seeds, so re-running the script reproduces the files bit for bit on
the same PyTorch version.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def write_case(group, name, tensors, metadata):
    """Writes tensors (name -> float32 tensor) and metadata (name -> str) to group/name.safetensors."""
    directory = os.path.join(HERE, group)
    os.makedirs(directory, exist_ok=True)
    header = {"__metadata__": {k: str(v) for k, v in sorted(metadata.items())}}
    blobs = []
    offset = 0
    for key in sorted(tensors):
        t = tensors[key].detach().to(torch.float32).contiguous().cpu()
        data = t.numpy().astype("<f4").tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(os.path.join(directory, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------------------------------------- layers

def layer_case(name, layer, x, metadata, seed, buffers=None):
    """Runs forward and backward of `layer` on `x` with a random upstream gradient and records it all."""
    g = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for pname, p in layer.named_parameters():  # non-trivial values, also for BatchNorm's weight/bias
            if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5 + (1.0 if pname == "weight" else 0.0))
        for bname, value in (buffers or {}).items():
            getattr(layer, bname).copy_(value)
    tensors = {"input": x}
    for pname, p in layer.named_parameters():
        tensors["param." + pname] = p.detach().clone()
    for bname, b in layer.named_buffers():
        tensors["buffer." + bname] = b.detach().clone().float()
    x = x.clone().requires_grad_(True)
    y = layer(x)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    tensors.update({"output": y, "grad_output": dy, "grad_input": x.grad})
    for pname, p in layer.named_parameters():
        tensors["grad." + pname] = p.grad
    for bname, b in layer.named_buffers():
        tensors["buffer_after." + bname] = b.detach().clone().float()
    metadata = dict(metadata, kind="layer", training=int(layer.training))
    write_case("layers", name, tensors, metadata)


def make_layers():
    # Linear: (batch, in, out, bias)
    for i, (n, fin, fout, bias) in enumerate([(3, 5, 4, True), (1, 6, 2, False), (4, 7, 3, True)]):
        torch.manual_seed(100 + i)
        layer = nn.Linear(fin, fout, bias=bias)
        layer_case(f"linear_{i}", layer, torch.randn(n, fin),
                   dict(layer="Linear", in_features=fin, out_features=fout, bias=int(bias)), 100 + i)

    # Conv2d: (N, Cin, Cout, H, W, kernel, stride, padding, bias)
    convs = [(2, 3, 4, 7, 7, 3, 1, 0, True), (2, 3, 4, 7, 6, 3, 1, 1, True), (1, 2, 3, 9, 9, 4, 2, 1, True),
             (3, 2, 5, 8, 8, 3, 2, 0, False), (2, 3, 2, 6, 7, 4, 1, 0, True), (2, 4, 3, 9, 9, 3, 2, 1, True),
             (2, 1, 4, 28, 28, 4, 2, 1, True)]
    for i, (n, cin, cout, h, w, k, s, p, bias) in enumerate(convs):
        torch.manual_seed(200 + i)
        layer = nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias)
        layer_case(f"conv2d_{i}", layer, torch.randn(n, cin, h, w),
                   dict(layer="Conv2d", in_channels=cin, out_channels=cout, kernel_size=k, stride=s,
                        padding=p, bias=int(bias)), 200 + i)

    # ConvTranspose2d: (N, Cin, Cout, H, W, kernel, stride, padding, output_padding, bias)
    deconvs = [(2, 3, 4, 5, 5, 3, 1, 0, 0, True), (2, 4, 3, 3, 3, 3, 2, 0, 1, True),
               (2, 3, 2, 7, 7, 4, 2, 1, 0, True), (1, 2, 3, 4, 5, 3, 2, 1, 1, True),
               (3, 2, 2, 5, 4, 4, 1, 0, 0, False), (2, 3, 3, 4, 4, 3, 2, 1, 0, True),
               (2, 2, 3, 5, 5, 4, 2, 1, 1, True), (2, 4, 3, 3, 3, 3, 2, 0, 0, True)]
    for i, (n, cin, cout, h, w, k, s, p, op, bias) in enumerate(deconvs):
        torch.manual_seed(300 + i)
        layer = nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p, output_padding=op, bias=bias)
        layer_case(f"conv_transpose2d_{i}", layer, torch.randn(n, cin, h, w),
                   dict(layer="ConvTranspose2d", in_channels=cin, out_channels=cout, kernel_size=k, stride=s,
                        padding=p, output_padding=op, bias=int(bias)), 300 + i)

    # BatchNorm1d / BatchNorm2d: (shape, momentum, affine, training)
    norms = [("BatchNorm1d", (5, 4), 0.1, True, True), ("BatchNorm1d", (5, 4), 0.1, True, False),
             ("BatchNorm1d", (2, 3), 0.1, True, True), ("BatchNorm1d", (4, 3), 0.2, False, True),
             ("BatchNorm2d", (2, 3, 4, 5), 0.1, True, True), ("BatchNorm2d", (2, 3, 4, 5), 0.1, True, False),
             ("BatchNorm2d", (5, 2, 3, 3), 0.2, True, True), ("BatchNorm2d", (2, 2, 3, 3), 0.1, False, False)]
    for i, (kind, shape, momentum, affine, training) in enumerate(norms):
        torch.manual_seed(400 + i)
        c = shape[1]
        cls = nn.BatchNorm1d if kind == "BatchNorm1d" else nn.BatchNorm2d
        layer = cls(c, eps=1e-5, momentum=momentum, affine=affine)
        layer.train(training)
        buffers = {"running_mean": torch.randn(c) * 0.3, "running_var": torch.rand(c) + 0.5,
                   "num_batches_tracked": torch.tensor(3)}
        x = torch.randn(*shape) * 1.5 + 0.7
        layer_case(f"{kind.lower()}_{'train' if training else 'eval'}_{i}", layer, x,
                   dict(layer=kind, num_features=c, eps=1e-5, momentum=momentum, affine=int(affine)),
                   400 + i, buffers)

    # Activations and reshapes
    torch.manual_seed(500)
    x = torch.randn(3, 4, 5) * 2
    x = torch.where(x.abs() < 1e-3, torch.full_like(x, 0.5), x)  # keep away from ReLU's kink
    layer_case("relu", nn.ReLU(), x, dict(layer="ReLU"), 500)
    layer_case("leaky_relu_0.01", nn.LeakyReLU(0.01), x, dict(layer="LeakyReLU", negative_slope=0.01), 501)
    layer_case("leaky_relu_0.2", nn.LeakyReLU(0.2), x, dict(layer="LeakyReLU", negative_slope=0.2), 502)
    layer_case("sigmoid", nn.Sigmoid(), x, dict(layer="Sigmoid"), 503)
    layer_case("tanh", nn.Tanh(), x, dict(layer="Tanh"), 504)
    layer_case("flatten", nn.Flatten(), torch.randn(2, 3, 4, 5), dict(layer="Flatten"), 505)
    layer_case("unflatten", nn.Unflatten(1, (3, 4, 5)), torch.randn(2, 60),
               dict(layer="Unflatten", unflattened_size="3,4,5"), 506)


# ---------------------------------------------------------------------------------------------- losses

def reduce(terms, reduction):
    """mean, sum, or batchMean (sum / N) of elementwise loss terms."""
    if reduction == "mean":
        return terms.mean()
    if reduction == "sum":
        return terms.sum()
    return terms.sum() / terms.shape[0]


def loss_case(name, loss, reduction, inputs, function):
    """inputs: Latent argument name -> tensor; function(**inputs) -> scalar loss."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    value = function(**leaves)
    value.backward()
    tensors = {"loss": value.detach().reshape([])}
    for k, v in leaves.items():
        tensors["input." + k] = v.detach()
        tensors["grad." + k] = v.grad
    write_case("losses", name, tensors, dict(kind="loss", loss=loss, reduction=reduction))


def make_losses():
    g = torch.Generator().manual_seed(600)
    x = torch.randn(4, 6, generator=g)
    t = torch.randn(4, 6, generator=g)
    p = torch.sigmoid(torch.randn(4, 6, generator=g) * 2)
    p[0, 0], p[0, 1], p[1, 0], p[1, 1] = 0.0, 1.0, 1e-30, 1 - 1e-7  # PyTorch's clamps at the edges
    bt = torch.rand(4, 6, generator=g)
    bt[0, 0], bt[0, 1] = 0.25, 0.75
    logits = torch.randn(4, 6, generator=g) * 3
    logits[0, 0], logits[0, 1], logits[1, 0] = 40.0, -40.0, 0.0
    mu = torch.randn(5, 3, generator=g)
    log_var = torch.randn(5, 3, generator=g) * 0.7
    mu2 = torch.randn(5, 3, generator=g)
    log_sigma2 = torch.randn(5, 3, generator=g) * 0.5

    for r in ["mean", "sum", "batchMean"]:
        loss_case(f"mse_{r}", "mse", r, {"input": x, "target": t},
                  lambda input, target: reduce((input - target) ** 2, r))
        loss_case(f"bce_{r}", "binaryCrossEntropy", r, {"probabilities": p, "target": bt},
                  lambda probabilities, target: reduce(
                      F.binary_cross_entropy(probabilities, target, reduction="none"), r))
        loss_case(f"bce_logits_{r}", "binaryCrossEntropyWithLogits", r, {"logits": logits, "target": bt},
                  lambda logits, target: reduce(
                      F.binary_cross_entropy_with_logits(logits, target, reduction="none"), r))
        loss_case(f"kl_log_var_{r}", "gaussianKL(mu:logVar:)", r, {"mu": mu, "logVar": log_var},
                  lambda mu, logVar: reduce(-0.5 * (1 + logVar - mu ** 2 - logVar.exp()), r))
        loss_case(f"kl_log_sigma_{r}", "gaussianKL(mu:logSigma:)", r, {"mu": mu, "logSigma": 0.5 * log_var},
                  lambda mu, logSigma: reduce(-0.5 * (1 + 2 * logSigma - mu ** 2 - (2 * logSigma).exp()), r))
        loss_case(f"kl_sigma_{r}", "gaussianKL(mu:sigma:)", r, {"mu": mu, "sigma": (0.5 * log_var).exp()},
                  lambda mu, sigma: reduce(-0.5 * (1 + torch.log(sigma ** 2) - mu ** 2 - sigma ** 2), r))

        def seed_kl(mu1, logSigma1, mu2, logSigma2):  # seed 001's kl_divergence, term by term
            return reduce((logSigma2 - logSigma1) + (torch.exp(logSigma1) ** 2 + (mu1 - mu2) ** 2)
                          / (2 * torch.exp(logSigma2) ** 2) - 0.5, r)

        loss_case(f"kl_two_{r}", "gaussianKL(mu1:logSigma1:mu2:logSigma2:)", r,
                  {"mu1": mu, "logSigma1": 0.5 * log_var, "mu2": mu2, "logSigma2": log_sigma2}, seed_kl)
        # The seed's call: KL(N(0, 1) ‖ q) with the prior's [D] parameters broadcast over the batch.
        loss_case(f"kl_two_broadcast_{r}", "gaussianKL(mu1:logSigma1:mu2:logSigma2:)", r,
                  {"mu1": torch.zeros(3), "logSigma1": torch.zeros(3), "mu2": mu, "logSigma2": 0.5 * log_var},
                  lambda mu1, logSigma1, mu2, logSigma2: seed_kl(
                      mu1.expand(5, 3), logSigma1.expand(5, 3), mu2, logSigma2))


# ------------------------------------------------------------------------------------------ optimizers

def optimizer_case(name, make, metadata, steps=5):
    """Five steps of an optimizer on Linear(4, 5) → Tanh → Linear(5, 3) with MSE on a fixed batch."""
    torch.manual_seed(700)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    x = torch.randn(6, 4)
    target = torch.randn(6, 3)
    optimizer = make(model.parameters())
    tensors = {"input": x, "target": target}
    for pname, p in model.named_parameters():
        tensors["param." + pname] = p.detach().clone()
    for k in range(1, steps + 1):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), target)
        loss.backward()
        tensors[f"step{k}.loss"] = loss.detach().reshape([])
        for pname, p in model.named_parameters():
            tensors[f"step{k}.grad.{pname}"] = p.grad.detach().clone()
        optimizer.step()
        for pname, p in model.named_parameters():
            tensors[f"step{k}.param.{pname}"] = p.detach().clone()
    for pname, p in model.named_parameters():
        for key, value in optimizer.state[p].items():
            if key != "step" and value is not None:
                tensors[f"state.{key}.{pname}"] = value
    write_case("optimizers", name, tensors,
               dict(metadata, kind="optimizer", model="Linear(4,5),Tanh,Linear(5,3)", loss="mse", steps=steps))


def make_optimizers():
    adams = [("adam", dict(lr=0.01)), ("adam_default_lr", dict()),
             ("adam_weight_decay", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1))]
    for name, kw in adams:
        full = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        full.update(kw)
        optimizer_case(name, lambda ps, kw=full: torch.optim.Adam(ps, **kw),
                       dict(optimizer="Adam", lr=full["lr"], beta1=full["betas"][0], beta2=full["betas"][1],
                            eps=full["eps"], weight_decay=full["weight_decay"]))
    sgds = [("sgd", dict(lr=0.1)), ("sgd_momentum", dict(lr=0.1, momentum=0.9)),
            ("sgd_nesterov", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
            ("sgd_dampening", dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.05))]
    for name, kw in sgds:
        full = dict(momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)
        full.update(kw)
        optimizer_case(name, lambda ps, kw=full: torch.optim.SGD(ps, **kw),
                       dict(optimizer="SGD", lr=full["lr"], momentum=full["momentum"], dampening=full["dampening"],
                            weight_decay=full["weight_decay"], nesterov=int(full["nesterov"])))


# ---------------------------------------------------------------------------------------------- models

def vae_celeba_image_bytes(first, count):
    """Synthetic 64×64 RGB images as bytes [count, 3, 64, 64]; Latent's test computes the same formula."""
    n = torch.arange(first, first + count).view(-1, 1, 1, 1)
    c = torch.arange(3).view(1, -1, 1, 1)
    h = torch.arange(64).view(1, 1, -1, 1)
    w = torch.arange(64).view(1, 1, 1, -1)
    return (n * 37 + c * 101 + h * h * 3 + w * 7 + h * w + (n * w) % 5) % 256


def make_wide_layers():
    """Convolutions at the chapters' widths (seed 001's 64–128 channels, 3×3 and 1×1 maps, the wide
    col2im branch of a 64→32 transposed convolution), named `*_wide_*` beside the small cases."""
    convs = [(2, 64, 128, 7, 7, 3, 2, 0), (2, 128, 64, 3, 3, 3, 1, 0)]
    for i, (n, cin, cout, h, w, k, s, p) in enumerate(convs):
        torch.manual_seed(600 + i)
        layer = nn.Conv2d(cin, cout, k, stride=s, padding=p)
        layer_case(f"conv2d_wide_{i}", layer, torch.randn(n, cin, h, w),
                   dict(layer="Conv2d", in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p, bias=1), 600 + i)
    deconvs = [(2, 128, 64, 1, 1, 3, 1, 0, 0), (2, 64, 32, 7, 7, 4, 2, 1, 0)]
    for i, (n, cin, cout, h, w, k, s, p, op) in enumerate(deconvs):
        torch.manual_seed(700 + i)
        layer = nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p, output_padding=op)
        layer_case(f"conv_transpose2d_wide_{i}", layer, torch.randn(n, cin, h, w),
                   dict(layer="ConvTranspose2d", in_channels=cin, out_channels=cout, kernel_size=k, stride=s,
                        padding=p, output_padding=op, bias=1), 700 + i)


def celeba_vae(f, z):
    """Seed 000's CelebA VAE at width f and latent size z, as it runs (no activation after the decoder's
    second BatchNorm), with the module names of Latent's `VAE.celeba`: (encoder, decoder)."""
    encoder = nn.Sequential(nn.Conv2d(3, f, 4, 2, 1), nn.BatchNorm2d(f), nn.ReLU(),
                            nn.Conv2d(f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.ReLU(),
                            nn.Conv2d(2 * f, 4 * f, 4, 2, 1), nn.BatchNorm2d(4 * f), nn.ReLU(),
                            nn.Flatten(), nn.Linear(4 * f * 64, 2 * z))
    decoder = nn.Sequential(nn.Linear(z, 4 * f * 64), nn.Unflatten(1, (4 * f, 8, 8)),
                            nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.LeakyReLU(0.2),
                            nn.ConvTranspose2d(2 * f, f, 4, 2, 1), nn.BatchNorm2d(f),
                            nn.ConvTranspose2d(f, 3, 4, 2, 1), nn.Tanh())
    return encoder, decoder


def make_models():
    """Three chapter-3 training steps of seed 000's CelebA VAE, in float64, from PyTorch's initialization.

    Batches of 32, 29 (the size of the last batch of an epoch of 8,765 faces) and 32 images, each step with
    its own ε, and the gradients of the first step: it checks a whole step of every layer at once, the state carried from step to step (zeroed
    gradients, BatchNorm statistics, Adam's moments) and a batch size that shrinks and grows again."""
    f, z = 2, 4
    torch.manual_seed(900)
    encoder, decoder = celeba_vae(f, z)
    model = nn.ModuleDict({"encoder": encoder, "decoder": decoder})
    tensors = {}
    for name, p in model.named_parameters():
        tensors["param." + name] = p.detach().clone()
    for name, b in model.named_buffers():
        if "num_batches" not in name:
            tensors["buffer." + name] = b.detach().clone()
    model.double()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.5, 0.999), weight_decay=1e-5)
    first = 0
    for k, size in enumerate([32, 29, 32], start=1):
        x = vae_celeba_image_bytes(first if k < 3 else 0, size).to(torch.float32) / 127.5 - 1
        first += size
        eps = torch.randn(size, z)
        h = encoder(x.double())
        mu, logvar = h[:, :z], h[:, z:]
        decoded = decoder(mu + torch.exp(0.5 * logvar) * eps.double())
        loss = F.mse_loss(decoded, x.double(), reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        optimizer.zero_grad()
        loss.backward()
        if k == 1:  # the first step's gradients: Adam hides a constant scale in every later update
            for name, p in model.named_parameters():
                tensors["step1.grad." + name] = p.grad.detach().clone()
        optimizer.step()
        tensors[f"step{k}.eps"] = eps
        tensors[f"step{k}.loss"] = loss.detach().reshape([])
    for name, p in model.named_parameters():
        tensors["final.param." + name] = p.detach().clone()
    for name, b in model.named_buffers():
        if "num_batches" not in name:
            tensors["final.buffer." + name] = b.detach().clone()
    write_case("models", "vae_celeba_steps", tensors,
               dict(kind="model", model="VAE.celeba", filters=f, latent=z, batches="32,29,32", lr=5e-4, beta1=0.5,
                    beta2=0.999, weight_decay=1e-5, dtype="float64"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    make_layers()
    make_wide_layers()
    make_losses()
    make_optimizers()
    make_models()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(HERE) for f in fs
                if f.endswith(".safetensors"))
    print(f"wrote fixtures under {HERE} ({total / 1024:.0f} KiB, torch {torch.__version__})")
