"""PyTorch peer of `latent-bench model <case>`: training steps of every model the chapters train.

Cases, as the chapters train them (random batches, Adam):
  ae          seed 001's conv autoencoder, 28x28 in [0, 1], MSE (mean), lr 1e-3
  vae         seed 001's conv VAE: encoder emits (mu, log sigma^2), z = mu + exp(log sigma^2 / 2) * eps,
              MSE (mean) + beta * KL (sum over z, mean over the batch), lr 1e-3
  dense-vae   chapter 3's default: 784-400-z-400-784 ReLU, binary inputs, BCE with logits (sum) + KL (sum), lr 1e-3
  celeba-vae  seed 000's CelebA VAE at width f (--filters) and z (--nz), 64x64x3 in [-1, 1], squared error
              (sum) + KL (sum), Adam lr 5e-4, betas (0.5, 0.999), weight decay 1e-5
  burgess-vae chapter 6: Burgess et al.'s VAE on 64x64 binary images, BCE with logits + beta * KL, both
              summed per image and averaged over the batch, Adam lr 1e-4
  cvae        chapter 7: the dense 784-400-20 VAE with a one-hot label beside x and beside z
  m2          chapter 7: M2 (784-500-50, classifier 784-500-10): 100 labelled images (bound + alpha * cross-
              entropy) and --batch unlabelled ones, each with all ten labels (the bound summed over y
              weighted by q(y|x), minus the entropy); images/s counts the unlabelled images
Prints one line per case in latent-bench's format, e.g. `ae threads=2 1540.2 images/s`, and the
process's peak RSS as `<case> threads=<t> memory=peak_rss <MB> MB`, timed as latent-bench times it: warm-up
steps, then repetitions of a batch of steps lasting about `--target` seconds; the best repetition counts.

    python3 Benchmarks/pytorch/bench_models.py --cases ae,vae,dense-vae,celeba-vae --threads 2
"""
import argparse
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


def celeba(f, nz):
    """Seed 000's VAE as it runs (no activation after the decoder's second BatchNorm)."""
    enc = nn.Sequential(
        nn.Conv2d(3, f, 4, 2, 1), nn.BatchNorm2d(f), nn.ReLU(),
        nn.Conv2d(f, 2 * f, 4, 2, 1), nn.BatchNorm2d(2 * f), nn.ReLU(),
        nn.Conv2d(2 * f, 4 * f, 4, 2, 1), nn.BatchNorm2d(4 * f), nn.ReLU(),
        nn.Flatten(), nn.Linear(4 * f * 8 * 8, 2 * nz))
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
    optimizer = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()) + list(cls.parameters()), lr=1e-3)
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

    return step


def make_step(case, batch, nz, beta, filters=32):
    """A closure doing one training step (zero_grad, forward, loss, backward, Adam step)."""
    if case == "m2":
        return make_m2_step(batch, nz)
    generator = torch.Generator().manual_seed(0)
    shape = {"celeba-vae": (batch, 3, 64, 64), "burgess-vae": (batch, 1, 64, 64), "cvae": (batch, 784)}.get(case, (batch, 1, 28, 28))
    batches = [torch.rand(*shape, generator=generator) for _ in range(4)]
    conditions = [nn.functional.one_hot(torch.randint(0, 10, (batch,), generator=generator), 10).float() for _ in range(4)]
    if case in ("dense-vae", "burgess-vae", "cvae"):
        batches = [(x > 0.5).float() for x in batches]
    if case == "dense-vae":
        enc, dec = dense(nz)
    elif case == "burgess-vae":
        enc, dec = burgess(nz)
    elif case == "cvae":
        enc, dec = conditional_dense(nz, 400)
    elif case == "celeba-vae":
        batches = [2 * x - 1 for x in batches]
        enc, dec = celeba(filters, nz)
    else:
        enc, dec = encoder(2 * nz if case == "vae" else nz), decoder(nz)
    parameters = list(enc.parameters()) + list(dec.parameters())
    optimizer = (torch.optim.Adam(parameters, lr=5e-4, betas=(0.5, 0.999), weight_decay=1e-5) if case == "celeba-vae"
                 else torch.optim.Adam(parameters, lr=1e-4 if case == "burgess-vae" else 1e-3))
    counter = [0]

    def step():
        x = batches[counter[0] % len(batches)]
        y = conditions[counter[0] % len(conditions)]
        counter[0] += 1
        optimizer.zero_grad()
        if case == "ae":
            loss = nn.functional.mse_loss(dec(enc(x)), x)
        else:
            q = enc(torch.cat([x, y], 1) if case == "cvae" else x)
            mu, log_var = q[:, :nz], q[:, nz:]
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            x_hat = dec(torch.cat([z, y], 1) if case == "cvae" else z)
            kl = -0.5 * (1 + log_var - mu ** 2 - log_var.exp())
            if case == "vae":
                loss = nn.functional.mse_loss(x_hat, x) + beta * kl.sum(dim=1).mean()
            elif case in ("dense-vae", "cvae"):
                loss = nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + kl.sum()
            elif case == "burgess-vae":
                loss = (nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="sum") + beta * kl.sum()) / batch
            else:
                loss = nn.functional.mse_loss(x_hat, x, reduction="sum") + kl.sum()
        loss.backward()
        optimizer.step()

    return step


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="ae,vae,dense-vae,celeba-vae,burgess-vae,cvae,m2")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--nz", type=int, default=64)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--target", type=float, default=1.0)
    args = parser.parse_args()
    torch.manual_seed(0)
    for case in args.cases.split(","):
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            step = make_step(case, args.batch, args.nz, args.beta, args.filters)
            seconds = seconds_per_call(step, repetitions=args.repetitions, target=args.target)
            print(f"{case} threads={threads} {args.batch / seconds:.1f} images/s", flush=True)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{case} threads={threads} memory=peak_rss {peak:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
