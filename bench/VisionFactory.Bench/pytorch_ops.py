#!/usr/bin/env python3
"""Single operations of a batch-1 forward pass with Debian's PyTorch, for the `ops` benchmark.

The shapes are ResNeXt-50's (grouped 3x3 and 1x1 convolutions, batch norm, ReLU, a residual add) at its first and third
stage. Each operation runs 50 times untimed, then 300 timed times, in evaluation (no_grad). Prints one JSON object on
its last line: {"ops": {"label": ms, ...}}.

    /usr/bin/python3 pytorch_ops.py --threads 2
"""
import argparse, json, time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    result = {}

    def timed(label, op):
        for _ in range(50): op()
        t = time.perf_counter()
        for _ in range(300): op()
        result[label] = (time.perf_counter() - t) * 1000 / 300

    with torch.no_grad():
        for c, hw in [(128, 56), (512, 14)]:
            grouped = torch.nn.Conv2d(c, c, 3, padding=1, groups=32, bias=False).eval()
            down = torch.nn.Conv2d(2 * c, c, 1, bias=False).eval()
            up = torch.nn.Conv2d(c, 2 * c, 1, bias=False).eval()
            bn = torch.nn.BatchNorm2d(c).eval()
            x = torch.randn(1, c, hw, hw); wide = torch.randn(1, 2 * c, hw, hw)
            timed(f"grouped 3x3 {c}->{c} at {hw}", lambda: grouped(x))
            timed(f"1x1 {2 * c}->{c} at {hw}", lambda: down(wide))
            timed(f"1x1 {c}->{2 * c} at {hw}", lambda: up(x))
            timed(f"batch norm {c} at {hw}", lambda: bn(x))
            timed(f"relu {c} at {hw}", lambda: torch.nn.functional.relu(x))
            timed(f"add {2 * c} at {hw}", lambda: wide + wide)
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": a.threads, "ops": result}))


if __name__ == '__main__':
    main()
