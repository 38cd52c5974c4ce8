#!/usr/bin/env python3
"""Golden files that prove each zoo architecture matches torchvision: parameter names and shapes, and logits.

Weights are not stored. Both this script and the C# test fill every state-dict tensor from a formula of its name
and index (integer hashing, then one double-precision expression, so both languages produce the same float32
values), run the same deterministic input, and compare logits. The files stay a few kilobytes each.

Run with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14):
    /usr/bin/python3 tools/golden/zoo_parity.py [ARCH ...]      # default: every architecture below
Writes tests/VisionFactory.Learning.Tests/Golden/zoo/<arch>.json.

The formula (keep ZooParityWeights.cs in step):
    h   = FNV-1a 32-bit of the tensor name (UTF-8)
    u_i = ((i * 2654435761 + h) mod 2^32) / 2^32,  v_i = 2 u_i - 1        (i: flat index)
    num_batches_tracked -> 0; running_var -> 0.5 + u; running_mean -> 0.1 v; "layer_scale" in name -> 0.5 + 0.1 v;
    *.bias -> 0.05 v; 1-d *.weight -> 1 + 0.1 v; other tensors of 2+ dims -> v * sqrt(6 / fan_in)
    (fan_in = product of all dims but the first); anything else -> 0.1 v.
    input: name "input", shape [2, 3, S, S] -> v.
"""
import collections, json, math, os, sys

import numpy as np
import torch
import torchvision

NUM_CLASSES = 10
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'VisionFactory.Learning.Tests', 'Golden', 'zoo')

# name -> (input size, keyword arguments for the torchvision constructor)
ARCHITECTURES = {
    'alexnet': (64, {}), 'googlenet': (64, {'aux_logits': False, 'transform_input': False, 'init_weights': False}),
    'inception_v3': (96, {'aux_logits': True, 'transform_input': False, 'init_weights': False}),
    'mobilenet_v2': (64, {}), 'mobilenet_v3_small': (64, {}), 'mobilenet_v3_large': (64, {}),
    'resnet18': (64, {}), 'resnet34': (64, {}), 'resnet50': (64, {}), 'resnet101': (64, {}), 'resnet152': (64, {}),
    'resnext50_32x4d': (64, {}), 'resnext101_32x8d': (64, {}), 'resnext101_64x4d': (64, {}),
    'wide_resnet50_2': (64, {}), 'wide_resnet101_2': (64, {}),
    'vgg11': (64, {}), 'vgg11_bn': (64, {}), 'vgg13': (64, {}), 'vgg13_bn': (64, {}),
    'vgg16': (64, {}), 'vgg16_bn': (64, {}), 'vgg19': (64, {}), 'vgg19_bn': (64, {}),
    'densenet121': (64, {}), 'densenet161': (64, {}), 'densenet169': (64, {}), 'densenet201': (64, {}),
    'squeezenet1_0': (64, {}), 'squeezenet1_1': (64, {}),
    'shufflenet_v2_x0_5': (64, {}), 'shufflenet_v2_x1_0': (64, {}), 'shufflenet_v2_x1_5': (64, {}), 'shufflenet_v2_x2_0': (64, {}),
    'mnasnet0_5': (64, {}), 'mnasnet0_75': (64, {}), 'mnasnet1_0': (64, {}), 'mnasnet1_3': (64, {}),
    'efficientnet_b0': (64, {}), 'efficientnet_b1': (64, {}), 'efficientnet_b2': (64, {}), 'efficientnet_b3': (64, {}),
    'regnet_y_400mf': (64, {}), 'regnet_y_800mf': (64, {}), 'regnet_x_400mf': (64, {}), 'regnet_x_800mf': (64, {}),
    'convnext_tiny': (64, {}),
    'small_cnn': (32, {}),
}


class SmallCnn(torch.nn.Module):
    """VisionFactory's small CNN for tiny images (32 px and up); mirrored by SmallCnn.cs."""

    def __init__(self, num_classes=10):
        super().__init__()
        def block(cin, cout):
            return [torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False), torch.nn.BatchNorm2d(cout), torch.nn.ReLU(inplace=True)]
        self.features = torch.nn.Sequential(
            *block(3, 32), *block(32, 32), torch.nn.MaxPool2d(2),
            *block(32, 64), *block(64, 64), torch.nn.MaxPool2d(2),
            *block(64, 128), torch.nn.AdaptiveAvgPool2d(1))
        self.classifier = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.2), torch.nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def fnv1a(name):
    h = 2166136261
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def formula(name, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    i = np.arange(n, dtype=np.uint64)
    u = ((i * np.uint64(2654435761) + np.uint64(fnv1a(name))) & np.uint64(0xFFFFFFFF)).astype(np.float64) / 4294967296.0
    v = 2.0 * u - 1.0
    if name.endswith('running_var'):
        x = 0.5 + u
    elif name.endswith('running_mean'):
        x = 0.1 * v
    elif 'layer_scale' in name:
        x = 0.5 + 0.1 * v
    elif name.endswith('.bias'):
        x = 0.05 * v
    elif name.endswith('.weight') and len(shape) <= 1:
        x = 1.0 + 0.1 * v
    elif len(shape) >= 2:
        x = v * math.sqrt(6.0 / float(np.prod(shape[1:])))
    else:
        x = 0.1 * v
    return torch.from_numpy(x.astype(np.float32).reshape(shape))


def golden(arch):
    size, kwargs = ARCHITECTURES[arch]
    factory = SmallCnn if arch == 'small_cnn' else getattr(torchvision.models, arch)
    model = factory(num_classes=NUM_CLASSES, **kwargs)
    state = model.state_dict()
    filled = collections.OrderedDict(
        (k, torch.zeros_like(t) if k.endswith('num_batches_tracked') else formula(k, list(t.shape))) for k, t in state.items())
    # Some models (MnasNet) read the layout version that state_dict() records; keep it.
    filled._metadata = state._metadata
    model.load_state_dict(filled)
    model.eval()
    x = formula('input', [2, 3, size, size])
    with torch.no_grad():
        logits = model(x)
    return {
        'arch': arch, 'num_classes': NUM_CLASSES, 'input_size': size,
        'torch': torch.__version__, 'torchvision': torchvision.__version__,
        'parameters': sum(p.numel() for p in model.parameters()),
        'keys': [[k, list(t.shape)] for k, t in state.items()],
        'logits': logits.tolist(),
    }


def main(argv):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(OUT, exist_ok=True)
    for arch in argv or list(ARCHITECTURES):
        g = golden(arch)
        with open(os.path.join(OUT, arch + '.json'), 'w') as f:
            json.dump(g, f, separators=(',', ':'))
        print(f'{arch}: {g["parameters"]} parameters, logits[0][:3] = {g["logits"][0][:3]}')


if __name__ == '__main__':
    main(sys.argv[1:])
