"""PyTorch peer of `latent-bench conv`: one nn.Conv2d or nn.ConvTranspose2d layer, forward and backward.

A layer is `conv:IN:OUT:SIZE` (Conv2d on SIZE×SIZE images) or `convt:IN:OUT:SIZE` (ConvTranspose2d on
SIZE×SIZE inputs). Prints two lines per layer and thread count in latent-bench's format, e.g.
`conv layer=conv in=32 out=64 size=32 batch=64 pass=forward threads=2 120.4 GFLOP/s`,
timed as bench_gemm.py times: warm-up calls, then repetitions of about 0.2 s each, the best counts.

Forward is the layer's call in training mode (the graph recorded, as in a training step); backward is
one `torch.autograd.grad` of the output for the input, weight and bias (convolution_backward with all
three outputs). Flops are counted as latent-bench counts them.

    python3 Benchmarks/pytorch/bench_conv.py --layers conv:32:64:32 --threads 1,2
"""
import argparse

import torch

from bench_gemm import seconds_per_call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default="conv:32:64:32")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--kernel", type=int, default=4)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--padding", type=int, default=1)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(42)
    k, s, p, n = args.kernel, args.stride, args.padding, args.batch
    for item in args.layers.split(","):
        kind, cin, cout, size = item.split(":")
        cin, cout, size = int(cin), int(cout), int(size)
        if kind == "convt":
            layer = torch.nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p)
            out_size = (size - 1) * s - 2 * p + k
            small = size
        else:
            layer = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p)
            out_size = (size + 2 * p - k) // s + 1
            small = out_size
        flops = 2 * n * cin * cout * k * k * small * small
        x = torch.randn(n, cin, size, size, requires_grad=True)
        dy = torch.randn(n, cout, out_size, out_size)
        label = f"layer={kind} in={cin} out={cout} size={size} batch={n}"
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            forward = seconds_per_call(lambda: layer(x), repetitions=args.repetitions)
            y = layer(x)
            inputs = (x, layer.weight, layer.bias)
            backward = seconds_per_call(lambda: torch.autograd.grad(y, inputs, dy, retain_graph=True),
                                        repetitions=args.repetitions)
            print(f"conv {label} pass=forward threads={threads} {flops / forward / 1e9:.1f} GFLOP/s", flush=True)
            print(f"conv {label} pass=backward threads={threads} {2 * flops / backward / 1e9:.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
