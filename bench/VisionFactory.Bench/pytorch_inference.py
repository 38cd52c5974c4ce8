#!/usr/bin/env python3
"""Single-batch inference latency of a torchvision network with Debian's PyTorch, for the zoo benchmark.

Used where ../shared/bench/pytorch_reference.py cannot measure a network: its throughput command trains first, and
GoogLeNet and Inception v3 return auxiliary outputs in training that its loss does not take. This script only
evaluates, exactly as that script's inference half does (evaluation mode, no_grad, one warm-up pass, then timed
passes on random input), and prints one JSON object on its last line.

    /usr/bin/python3 pytorch_inference.py --arch googlenet --size 224 --batch 1 --steps 10 --threads 2
"""
import argparse, json, time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--arch', required=True)
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    import torch, torchvision
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    net = getattr(torchvision.models, a.arch)(num_classes=2).eval()
    x = torch.randn(a.batch, 3, a.size, a.size)
    with torch.no_grad():
        net(x); t = time.perf_counter()
        for _ in range(a.steps): net(x)
        infer = a.steps * a.batch / (time.perf_counter() - t)
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "arch": a.arch, "size": a.size, "batch": a.batch,
                      "threads": a.threads, "infer_img_s": round(infer, 2)}))


if __name__ == '__main__':
    main()
