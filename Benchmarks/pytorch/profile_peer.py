"""Where a PyTorch peer of `latent-bench model <case>` spends its training step, and what that bounds.

Runs the step of `bench_models.py` (same model, batch and optimizer) under torch.profiler and sums the
operators' own time. Matrix products are aten::mm, addmm, bmm and the convolutions (forward and
backward); the rest is everything else (elementwise passes, losses, copies, the optimizer, autograd).

If Latent's products ran exactly as fast as PyTorch's and everything else took no time at all, Latent
would be 1 / (products' share) times faster. So when that bound is below a target ratio, no tuning of
the rest reaches the target while the products are at parity; only doing fewer multiply-adds would.
The profiler's own cost per operator lands in "the rest", which lowers the share and raises the
bound: the bound is generous.

    python3 Benchmarks/pytorch/profile_peer.py --case m2 --batch 100 --nz 50 --threads 1
"""
import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from bench_models import CASES, add_model_options, make_step

PRODUCTS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::convolution_backward", "aten::mkldnn_convolution",
            "aten::_convolution", "aten::slow_conv_transpose2d", "aten::slow_conv_transpose2d_backward")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", required=True, choices=CASES)
    parser.add_argument("--threads", type=int, default=1)
    add_model_options(parser)
    parser.add_argument("--steps", type=int, default=20, help="profiled steps (after 5 warm-up steps)")
    parser.add_argument("--top", type=int, default=12, help="operators listed")
    parser.add_argument("--by-shape", action="store_true",
                        help="list operators by their input shapes too (one line per layer, for comparison with "
                             "the ms per step of `latent-bench model <case>`'s profile)")
    args = parser.parse_args()
    if args.steps < 1 or args.threads < 1:
        parser.error("--steps and --threads must be at least 1")
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    step, _ = make_step(args.case, args.batch, args.nz, args.beta, args.filters, args.samples)
    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    unprofiled = (time.perf_counter() - start) / args.steps
    with profile(activities=[ProfilerActivity.CPU], record_shapes=args.by_shape) as profiler:
        for _ in range(args.steps):
            step()
    # Own ("self") time per operator, so nested operators are not counted twice.
    own = {}
    for event in profiler.key_averages():
        own[event.key] = own.get(event.key, 0.0) + event.self_cpu_time_total / 1e6 / args.steps
    total = sum(own.values())
    products = sum(seconds for name, seconds in own.items() if name in PRODUCTS)
    share = products / total
    print(f"{args.case} threads={args.threads} batch={args.batch}: {unprofiled * 1e3:.1f} ms per step "
          f"({args.batch / unprofiled:.1f} images/s) without the profiler, {total * 1e3:.1f} ms with it")
    print(f"{args.case} threads={args.threads} products {products * 1e3:.1f} ms = {100 * share:.1f}% of the step; "
          f"bound at product parity: {1 / share:.2f}x")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1])[:args.top]:
        tag = "  (product)" if name in PRODUCTS else ""
        print(f"  {100 * seconds / total:5.1f}%  {seconds * 1e3:7.2f} ms  {name}{tag}")
    if args.by_shape:
        print(f"{args.case} threads={args.threads} by input shapes (ms per step):")
        events = profiler.key_averages(group_by_input_shape=True)
        for event in sorted(events, key=lambda event: -event.self_cpu_time_total)[:args.top]:
            shapes = [shape for shape in event.input_shapes if shape]
            print(f"  {event.self_cpu_time_total / 1e3 / args.steps:7.2f} ms  {event.key}  {shapes}")


if __name__ == "__main__":
    main()
