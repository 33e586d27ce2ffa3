"""PyTorch peer of `latent-bench ae` and `latent-bench vae`: seed 001's conv autoencoder / VAE training steps.

Trains on random 28x28 batches (uniform in [0, 1]) with MSE (mean) and Adam lr 1e-3; the VAE's encoder
emits (mu, log sigma), samples z = mu + exp(log sigma) * eps and adds beta * KL(q || N(0, I)) (sum over
latent dimensions, mean over the batch). Prints one line per case in latent-bench's format, e.g.
`ae threads=2 1540.2 images/s`, timed as latent-bench times it: warm-up steps, then repetitions of a
batch of steps lasting about `--target` seconds; the best repetition counts.

    python3 Benchmarks/pytorch/bench_models.py --cases ae,vae --threads 2
"""
import argparse
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


def make_step(case, batch, nz, beta):
    """A closure doing one training step (zero_grad, forward, loss, backward, Adam step)."""
    generator = torch.Generator().manual_seed(0)
    batches = [torch.rand(batch, 1, 28, 28, generator=generator) for _ in range(4)]
    variational = case == "vae"
    enc, dec = encoder(2 * nz if variational else nz), decoder(nz)
    optimizer = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
    counter = [0]

    def step():
        x = batches[counter[0] % len(batches)]
        counter[0] += 1
        optimizer.zero_grad()
        if variational:
            q = enc(x)
            mu, log_sigma = q[:, :nz], q[:, nz:]
            sigma = torch.exp(log_sigma)
            z = mu + sigma * torch.randn_like(mu)
            x_hat = dec(z)
            kl = (-log_sigma + 0.5 * (sigma ** 2 + mu ** 2) - 0.5).sum(dim=1).mean()
            loss = nn.functional.mse_loss(x_hat, x) + beta * kl
        else:
            loss = nn.functional.mse_loss(dec(enc(x)), x)
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
    parser.add_argument("--cases", default="ae,vae")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--nz", type=int, default=64)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--target", type=float, default=1.0)
    args = parser.parse_args()
    torch.manual_seed(0)
    for case in args.cases.split(","):
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            step = make_step(case, args.batch, args.nz, args.beta)
            seconds = seconds_per_call(step, repetitions=args.repetitions, target=args.target)
            print(f"{case} threads={threads} {args.batch / seconds:.1f} images/s", flush=True)


if __name__ == "__main__":
    main()
