"""PyTorch peer of `latent-bench model <case>`: training steps of every model the chapters train.

Cases, as the chapters train them (random batches, Adam):
  ae          seed 001's conv autoencoder, 28x28 in [0, 1], MSE (mean), lr 1e-3
  dense-ae    chapter 2's seed-004 dense autoencoder 784-200-z-200-784, ReLU, Sigmoid, MSE (mean), lr 2.5e-4
  tied-ae     the same with the decoder's weights the encoder's, transposed (the decoder has its own biases)
  celeba-ae   chapter 2's conv autoencoder for 64x64x3 faces in [0, 1] at width f, Sigmoid, MSE (mean), lr 1e-3
  vae         seed 001's conv VAE: encoder emits (mu, log sigma^2), z = mu + exp(log sigma^2 / 2) * eps,
              MSE (mean) + beta * KL (sum over z, mean over the batch), lr 1e-3
  dense-vae   chapter 3's default: 784-400-z-400-784 ReLU, binary inputs, BCE with logits (sum) + KL (sum), lr 1e-3
  celeba-vae  seed 000's CelebA VAE at width f (--filters) and z (--nz), 64x64x3 in [-1, 1], squared error
              (sum) + KL (sum), Adam lr 5e-4, betas (0.5, 0.999), weight decay 1e-5
  iwae        chapter 3's Burda et al. model (784-200-200-z, tanh) on the k-sample bound (--samples), batch 20:
              loss = -sum_n log (1/k) sum_i w_ni, lr 1e-3
  rows-vae    chapter 5's dense VAE whose logits also get a small network's reading of the two pixel rows
              above each row; (BCE + KL) summed and divided by the batch
  burgess-vae chapter 6: Burgess et al.'s VAE on 64x64 binary images, BCE with logits + beta * KL, both
              summed per image and averaged over the batch, Adam lr 1e-4
  beta-tcvae  chapter 6: the same VAE, BCE + KL + (beta - 1) * total correlation (minibatch-weighted sampling,
              dataset size 20,000), all per image
  cvae        chapter 7: the dense 784-400-20 VAE with a one-hot label beside x and beside z
  m2          chapter 7: M2 (784-500-50, classifier 784-500-10): 100 labelled images (bound + alpha * cross-
              entropy) and --batch unlabelled ones, each with all ten labels (the bound summed over y
              weighted by q(y|x), minus the entropy); images/s counts the unlabelled images
Prints one line per case in latent-bench's format, e.g. `ae threads=2 1540.2 images/s`, the
process's peak RSS as `<case> threads=<t> memory=peak_rss <MB> MB`, and the model's parameter shapes as
`<case> shapes=<sorted, comma-separated> <count> parameters` (latent-bench checks them against its own), timed as latent-bench times it: warm-up
steps, then repetitions of a batch of steps lasting about `--target` seconds; the best repetition counts.

    python3 Benchmarks/pytorch/bench_models.py --cases ae,vae,dense-vae,celeba-vae --threads 2
"""
import argparse
import math
import resource
import time

import torch
import torch.nn as nn


def encoder(outputs):
    return nn.Sequential(
        nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(),
        nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.LeakyReLU(),
        nn.Conv2d(64, 128, 3, stride=2), nn.BatchNorm2d(128), nn.LeakyReLU(),
        nn.Conv2d(128, 256, 3), nn.BatchNorm2d(256), nn.LeakyReLU(),
        nn.Flatten(), nn.Linear(256, outputs))


def decoder(nz):
    return nn.Sequential(
        nn.Linear(nz, 256), nn.Unflatten(1, (256, 1, 1)), nn.BatchNorm2d(256), nn.LeakyReLU(),
        nn.ConvTranspose2d(256, 128, 3), nn.BatchNorm2d(128), nn.LeakyReLU(),
        nn.ConvTranspose2d(128, 64, 3, stride=2), nn.BatchNorm2d(64), nn.LeakyReLU(),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.BatchNorm2d(32), nn.LeakyReLU(),
        nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid())


def dense(nz, hidden=400, pixels=784):
    enc = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, 2 * nz))
    dec = nn.Sequential(nn.Linear(nz, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Unflatten(1, (1, 28, 28)))
    return enc, dec


def celeba_encoder(f, outputs):
    return nn.Sequential(
        nn.Conv2d(3, f, 4, 2, 1), nn.BatchNorm2d(f), nn.ReLU(),
        nn.Conv2d(f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.ReLU(),
        nn.Conv2d(2 * f, 4 * f, 4, 2, 1), nn.BatchNorm2d(4 * f), nn.ReLU(),
        nn.Flatten(), nn.Linear(4 * f * 8 * 8, outputs))


def celeba_autoencoder(f, nz):
    """Chapter 2's `CelebAAutoencoder`: seed 000's encoder, a decoder to [0, 1]."""
    dec = nn.Sequential(
        nn.Linear(nz, 4 * f * 8 * 8), nn.Unflatten(1, (4 * f, 8, 8)), nn.BatchNorm2d(4 * f), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(2 * f, f, 4, 2, 1), nn.BatchNorm2d(f), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(f, 3, 4, 2, 1), nn.Sigmoid())
    return celeba_encoder(f, nz), dec


def dense_autoencoder(nz, hidden=200, pixels=784):
    """Chapter 2's `DenseAutoencoder` (seed 004)."""
    enc = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, nz))
    dec = nn.Sequential(nn.Linear(nz, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
    return enc, dec


class TiedAutoencoder(nn.Module):
    """Chapter 2's `TiedDenseAutoencoder`: the decoder multiplies by the encoder's weights, transposed."""

    def __init__(self, nz, hidden=200, pixels=784):
        super().__init__()
        self.first, self.second = nn.Linear(pixels, hidden), nn.Linear(hidden, nz)
        self.bias_hidden, self.bias_pixels = nn.Parameter(torch.zeros(hidden)), nn.Parameter(torch.zeros(pixels))

    def forward(self, x):
        z = self.second(torch.relu(self.first(x.flatten(1))))
        h = torch.relu(torch.addmm(self.bias_hidden, z, self.second.weight))
        return torch.sigmoid(torch.addmm(self.bias_pixels, h, self.first.weight)).view_as(x)


def burda(nz, hidden=200, pixels=784):
    """Chapter 3's `VAE.burda` (Burda et al. 2016's MNIST model)."""
    enc = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                        nn.Linear(hidden, 2 * nz))
    dec = nn.Sequential(nn.Linear(nz, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, pixels))
    return enc, dec


def rows_above(x, rows=2):
    """Chapter 5's `RowContext` input: for each pixel row, the `rows` rows above it (zeros above the top),
    nearest first: [N, 1, H, W] -> [N*H, rows*W]."""
    n, _, height, width = x.shape
    padded = nn.functional.pad(x[:, 0], (0, 0, rows, 0))
    return torch.stack([padded[:, rows - 1 - k:rows - 1 - k + height] for k in range(rows)], 2).reshape(n * height, rows * width)


def total_correlation(z, mu, log_var, dataset_size):
    """Chen et al. 2018's minibatch-weighted estimate of KL(q(z) || prod_d q(z_d)) on one batch."""
    m = z.shape[0]
    log_q = -0.5 * (math.log(2 * math.pi) + log_var[None] + (z[:, None] - mu[None]) ** 2 / log_var.exp()[None])
    log_nm = math.log(dataset_size * m)
    joint = torch.logsumexp(log_q.sum(2), 1) - log_nm
    product = (torch.logsumexp(log_q, 1) - log_nm).sum(1)
    return (joint - product).mean()


def celeba(f, nz):
    """Seed 000's VAE as it runs (no activation after the decoder's second BatchNorm)."""
    enc = celeba_encoder(f, 2 * nz)
    dec = nn.Sequential(
        nn.Linear(nz, 4 * f * 8 * 8), nn.Unflatten(1, (4 * f, 8, 8)),
        nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(2 * f, f, 4, 2, 1), nn.BatchNorm2d(f),
        nn.ConvTranspose2d(f, 3, 4, 2, 1), nn.Tanh())
    return enc, dec


def burgess(nz):
    """Burgess et al. 2018's VAE for 64x64x1 (chapter 6's `VAE.burgess`)."""
    enc = nn.Sequential(
        nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
        nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
        nn.Flatten(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2 * nz))
    dec = nn.Sequential(
        nn.Linear(nz, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
        nn.Unflatten(1, (32, 4, 4)),
        nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(),
        nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))
    return enc, dec


def conditional_dense(nz, hidden, classes=10, pixels=784):
    """Chapter 7's `VAE.conditionalDense`: [x, y] -> hidden -> (mu, log var); [z, y] -> hidden -> logits."""
    enc = nn.Sequential(nn.Linear(pixels + classes, hidden), nn.ReLU(), nn.Linear(hidden, 2 * nz))
    dec = nn.Sequential(nn.Linear(nz + classes, hidden), nn.ReLU(), nn.Linear(hidden, pixels))
    return enc, dec


def make_m2_step(batch, nz, alpha=60.0, classes=10, hidden=500, pixels=784):
    """One M2 training step as chapter 7's `m2Step` computes it."""
    generator = torch.Generator().manual_seed(0)
    enc, dec = conditional_dense(nz, hidden, classes, pixels)
    cls = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, classes))
    parameters = list(enc.parameters()) + list(dec.parameters()) + list(cls.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    batches = [(torch.rand(batch, pixels, generator=generator) > 0.5).float() for _ in range(4)]
    xl = (torch.rand(100, pixels, generator=generator) > 0.5).float()
    labels = torch.arange(100) % classes
    yl = nn.functional.one_hot(labels, classes).float()
    every = torch.eye(classes).repeat(batch, 1)  # row i*C + c: label c
    log_prior = torch.log(torch.tensor(float(classes)))
    counter = [0]

    def bound_rows(x, y):
        q = enc(torch.cat([x, y], 1))
        mu, log_var = q[:, :nz], q[:, nz:]
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        rec = nn.functional.binary_cross_entropy_with_logits(dec(torch.cat([z, y], 1)), x, reduction="none").sum(1)
        kl = (-0.5 * (1 + log_var - mu ** 2 - log_var.exp())).sum(1)
        return rec + kl + log_prior

    def step():
        xu = batches[counter[0] % len(batches)]
        counter[0] += 1
        optimizer.zero_grad()
        labelled = bound_rows(xl, yl).mean() + alpha * nn.functional.cross_entropy(cls(xl), labels)
        per_class = bound_rows(xu.repeat_interleave(classes, 0), every).view(batch, classes)
        log_q = torch.log_softmax(cls(xu), 1)
        q = log_q.exp()
        unlabelled = (q * per_class).sum(1).mean() + (q * log_q).sum(1).mean()  # E_q[L] - H(q)
        (labelled + unlabelled).backward()
        optimizer.step()

    return step, parameters


def make_step(case, batch, nz, beta, filters=32, samples=5):
    """A closure doing one training step (zero_grad, forward, loss, backward, Adam step), and the parameters."""
    if case == "m2":
        return make_m2_step(batch, nz)
    generator = torch.Generator().manual_seed(0)
    shape = {"celeba-vae": (batch, 3, 64, 64), "celeba-ae": (batch, 3, 64, 64), "burgess-vae": (batch, 1, 64, 64),
             "beta-tcvae": (batch, 1, 64, 64), "cvae": (batch, 784)}.get(case, (batch, 1, 28, 28))
    batches = [torch.rand(*shape, generator=generator) for _ in range(4)]
    conditions = [nn.functional.one_hot(torch.randint(0, 10, (batch,), generator=generator), 10).float() for _ in range(4)]
    if case in ("dense-vae", "burgess-vae", "cvae", "iwae", "rows-vae", "beta-tcvae"):
        batches = [(x > 0.5).float() for x in batches]
    context = None
    if case in ("dense-vae", "rows-vae"):
        enc, dec = dense(nz)
        if case == "rows-vae":
            context = nn.Sequential(nn.Linear(2 * 28, 128), nn.ReLU(), nn.Linear(128, 28))
    elif case in ("burgess-vae", "beta-tcvae"):
        enc, dec = burgess(nz)
    elif case == "cvae":
        enc, dec = conditional_dense(nz, 400)
    elif case == "celeba-vae":
        batches = [2 * x - 1 for x in batches]
        enc, dec = celeba(filters, nz)
    elif case == "celeba-ae":
        enc, dec = celeba_autoencoder(filters, nz)
    elif case == "dense-ae":
        enc, dec = dense_autoencoder(nz)
    elif case == "tied-ae":
        enc, dec = TiedAutoencoder(nz), nn.Identity()
    elif case == "iwae":
        enc, dec = burda(nz)
    else:
        enc, dec = encoder(2 * nz if case == "vae" else nz), decoder(nz)
    parameters = list(enc.parameters()) + list(dec.parameters()) + (list(context.parameters()) if context else [])
    lr = {"burgess-vae": 1e-4, "beta-tcvae": 1e-4, "dense-ae": 2.5e-4, "tied-ae": 2.5e-4}.get(case, 1e-3)
    optimizer = (torch.optim.Adam(parameters, lr=5e-4, betas=(0.5, 0.999), weight_decay=1e-5) if case == "celeba-vae"
                 else torch.optim.Adam(parameters, lr=lr))
    counter = [0]

    def step():
        x = batches[counter[0] % len(batches)]
        y = conditions[counter[0] % len(conditions)]
        counter[0] += 1
        optimizer.zero_grad()
        if case in ("ae", "dense-ae", "tied-ae", "celeba-ae"):
            loss = nn.functional.mse_loss(dec(enc(x)), x)
        elif case == "iwae":
            q = enc(x)
            mu, log_var = (t.repeat_interleave(samples, 0) for t in (q[:, :nz], q[:, nz:]))
            eps = torch.randn_like(mu)
            z = mu + torch.exp(0.5 * log_var) * eps
            targets = x.flatten(1).repeat_interleave(samples, 0)
            rec = nn.functional.binary_cross_entropy_with_logits(dec(z), targets, reduction="none").sum(1)
            log_w = -rec - 0.5 * (z ** 2).sum(1) + 0.5 * (eps ** 2).sum(1) + 0.5 * log_var.sum(1)
            loss = -(torch.logsumexp(log_w.view(-1, samples), 1) - math.log(samples)).sum()
        else:
            q = enc(torch.cat([x, y], 1) if case == "cvae" else x)
            mu, log_var = q[:, :nz], q[:, nz:]
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            x_hat = dec(torch.cat([z, y], 1) if case == "cvae" else z)
            if context is not None:
                x_hat = x_hat + context(rows_above(x)).view_as(x)
            kl = -0.5 * (1 + log_var - mu ** 2 - log_var.exp())
            if case == "vae":
                loss = nn.functional.mse_loss(x_hat, x) + beta * kl.sum(dim=1).mean()
            elif case in ("dense-vae", "cvae"):
                loss = nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + kl.sum()
            elif case == "rows-vae":
                loss = (nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + kl.sum()) / batch
            elif case == "burgess-vae":
                loss = (nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + beta * kl.sum()) / batch
            elif case == "beta-tcvae":
                loss = ((nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + kl.sum()) / batch
                        + (beta - 1) * total_correlation(z, mu, log_var, 20_000))
            else:
                loss = nn.functional.mse_loss(x_hat, x, reduction="sum") + kl.sum()
        loss.backward()
        optimizer.step()

    return step, parameters


def seconds_per_call(body, warmup=3, repetitions=3, target=1.0):
    for _ in range(warmup):
        body()
    start = time.perf_counter()
    body()
    single = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(target / single))
    best = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


CASES = ("ae", "dense-ae", "tied-ae", "celeba-ae", "vae", "dense-vae", "celeba-vae", "iwae", "rows-vae", "burgess-vae",
         "beta-tcvae", "cvae", "m2")


def add_model_options(parser):
    """The options that size a case's model and step (latent-bench passes them; profile_peer.py takes them too)."""
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--nz", type=int, default=64)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--threads", default="2")
    add_model_options(parser)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--target", type=float, default=1.0)
    args = parser.parse_args()
    unknown = [case for case in args.cases.split(",") if case not in CASES]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)} (cases: {', '.join(CASES)})")
    torch.manual_seed(0)
    for case in args.cases.split(","):
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            step, parameters = make_step(case, args.batch, args.nz, args.beta, args.filters, args.samples)
            shapes = sorted("x".join(str(d) for d in p.shape) for p in parameters)
            print(f"{case} shapes={','.join(shapes)} {sum(p.numel() for p in parameters)} parameters", flush=True)
            seconds = seconds_per_call(step, repetitions=args.repetitions, target=args.target)
            print(f"{case} threads={threads} {args.batch / seconds:.1f} images/s", flush=True)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{case} threads={threads} memory=peak_rss {peak:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
