"""PyTorch peer of `latent-bench gemm`: torch.matmul on float32 matrices.

A size is `n` (n×n times n×n) or `MxNxK` (C[M, N] = A[M, K]·B[K, N]). Prints one line per measurement
in latent-bench's format, e.g. `gemm n=1024 threads=2 215.4 GFLOP/s` or
`gemm m=64 n=200 k=784 threads=2 80.1 GFLOP/s`,
timed the same way: warm-up calls, then repetitions of a batch of calls lasting about 0.2 s each,
the best repetition counts.

    python3 Benchmarks/pytorch/bench_gemm.py --sizes 256,512,1024,2048 --threads 1,2
"""
import argparse
import time

import torch


def seconds_per_call(body, warmup=2, repetitions=5, target=0.2):
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
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(42)
    for size in args.sizes.split(","):
        parts = [int(p) for p in size.split("x")]
        m, n, k = parts * 3 if len(parts) == 1 else parts
        label = f"n={n}" if len(parts) == 1 else f"m={m} n={n} k={k}"
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            a = torch.randn(m, k, generator=generator)
            b = torch.randn(k, n, generator=generator)
            c = torch.empty(m, n)
            seconds = seconds_per_call(lambda: torch.matmul(a, b, out=c), repetitions=args.repetitions)
            print(f"gemm {label} threads={threads} {2 * m * n * k / seconds / 1e9:.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
