#!/usr/bin/env python3
"""PyTorch checkpoints for the weight-import tests, written by Debian's PyTorch (/usr/bin/python3).

    tiny.pth  a plain state dict of tensors: it must load.
    tiny-legacy.pth  the same in PyTorch's legacy (pre-1.6) serialisation, as many published torchvision files are, with
              a float64, an int64 and a uint8 storage beside the float32 ones: it must load with the same values.
    evil.pth  a state dict with an object whose unpickling would run a shell command: it must be refused, and the
              command must never run (it would create /tmp/vf-evil-pickle-ran).
Writes tests/VisionFactory.Learning.Tests/Golden/pickles/.
"""
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'VisionFactory.Learning.Tests', 'Golden', 'pickles')


class Evil:
    def __reduce__(self):
        return (os.system, ('touch /tmp/vf-evil-pickle-ran',))


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.save({'fc.weight': torch.arange(12, dtype=torch.float32).reshape(3, 4), 'fc.bias': torch.tensor([1.0, 2.0, 3.0])},
               os.path.join(OUT, 'tiny.pth'))
    torch.save({'conv1.weight': torch.zeros(2), 'payload': Evil()}, os.path.join(OUT, 'evil.pth'))
    torch.save({'fc.weight': torch.arange(12, dtype=torch.float32).reshape(3, 4), 'fc.bias': torch.tensor([1.0, 2.0, 3.0]),
                'bn.num_batches_tracked': torch.tensor(7), 'scale': torch.tensor([0.5, 0.25], dtype=torch.float64),
                'mask': torch.tensor([1, 0, 1], dtype=torch.uint8)},
               os.path.join(OUT, 'tiny-legacy.pth'), _use_new_zipfile_serialization=False)
    torch.save({'conv1.weight': torch.zeros(2), 'payload': Evil()}, os.path.join(OUT, 'evil-legacy.pth'), _use_new_zipfile_serialization=False)
    print('written to', OUT)
