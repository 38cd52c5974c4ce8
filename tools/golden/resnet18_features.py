#!/usr/bin/python3
"""Writes the golden files of the ResNet-18 import parity test (tests/VisionFactory.Learning.Tests/Golden/).

PyTorch side of the proof that the C# import of the ImageNet ResNet in NuGet package
Microsoft.ML.DnnImageFeaturizer.ResNet18 (stage depths 2,2,2,3) computes what torchvision computes:

  1. converts the ONNX model with `bench/pytorch_reference.py convert` (run as a subprocess, so the mapping
     under test is the reference one, not a copy of it);
  2. builds torchvision's ResNet(BasicBlock, [2, 2, 2, 3]) and loads the converted weights;
  3. makes a deterministic synthetic BGR batch from an integer formula (repeated in the C# test, so the input
     is not stored), subtracts the mean image and runs the network in eval mode;
  4. writes the 512-d pooled features, small summaries of every stage's output and the mean image resized to
     64 px as little-endian float32 `.bin` files, each with a `.json` header naming its shape, and the
     torchvision state-dict keys and shapes of that network.

Needs Debian's python3-torch (1.13), python3-torchvision, python3-onnx. Run from anywhere:
    /usr/bin/python3 tools/golden/resnet18_features.py [--package-dir DIR]
"""
import argparse, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(REPO, 'tests', 'VisionFactory.Learning.Tests', 'Golden')
REFERENCE = os.path.normpath(os.path.join(REPO, '..', 'shared', 'bench', 'pytorch_reference.py'))
PACKAGE = os.path.expanduser('~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels')
BATCH, SIZE = 2, 224


def synthetic_bgr(torch):
    """pixel[n, c, h, w] = (h * 7 + w * 13 + c * 101 + n * 59 + (h * w) % 37) % 256, as float32 (BGR order, 0..255)."""
    n = torch.arange(BATCH).view(-1, 1, 1, 1)
    c = torch.arange(3).view(1, -1, 1, 1)
    h = torch.arange(SIZE).view(1, 1, -1, 1)
    w = torch.arange(SIZE).view(1, 1, 1, -1)
    return ((h * 7 + w * 13 + c * 101 + n * 59 + (h * w) % 37) % 256).to(torch.float32)


def write(name, tensor, note):
    data = tensor.detach().contiguous().to('cpu').float().numpy().astype('<f4')
    with open(os.path.join(OUT, name + '.bin'), 'wb') as f:
        f.write(data.tobytes())
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump({'dtype': 'float32', 'byte_order': 'little', 'shape': list(data.shape), 'note': note}, f, indent=2)
        f.write('\n')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--package-dir', default=PACKAGE, help='the package\'s tools/DnnImageModels folder')
    p.add_argument('--reference', default=REFERENCE, help='path of pytorch_reference.py')
    a = p.parse_args()

    import torch
    from torchvision.models.resnet import ResNet, BasicBlock
    torch.set_num_threads(2)

    with tempfile.TemporaryDirectory() as tmp:
        weights, mean = os.path.join(tmp, 'weights.pt'), os.path.join(tmp, 'mean.pt')
        subprocess.run([sys.executable, a.reference, 'convert',
                        os.path.join(a.package_dir, 'ResNet18Onnx', 'ResNet18.onnx'),
                        os.path.join(a.package_dir, 'ResNetPrepOnnx', 'ResNetPreprocess.onnx'),
                        weights, mean], check=True)
        state, mean_image = torch.load(weights), torch.load(mean)

    net = ResNet(BasicBlock, [2, 2, 2, 3], num_classes=1000)
    state['fc.weight'], state['fc.bias'] = net.fc.weight, net.fc.bias
    net.load_state_dict(state)
    net.eval()

    x = synthetic_bgr(torch) - mean_image[None]
    with torch.no_grad():
        y = net.maxpool(net.relu(net.bn1(net.conv1(x))))
        stages = []
        for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
            y = layer(y)
            stages.append(y)
        features = torch.flatten(net.avgpool(y), 1)

    os.makedirs(OUT, exist_ok=True)
    formula = synthetic_bgr.__doc__
    write('resnet18_features', features, f'512-d pooled features of input = bgr - MeanImage; {formula}')
    write('resnet18_stage_means', torch.cat([s.mean(dim=(2, 3)).flatten() for s in stages]),
          'per-channel spatial means of the layer1..layer4 outputs: for each stage in turn its [2, C] means, row-major; '
          '2*(64+128+256+512) values')
    write('resnet18_input_checksum', torch.stack([x.sum(), x.abs().sum(), x[0, 0, 0, :8].sum()]),
          'sum(x), sum(|x|), sum(x[0,0,0,:8]) of the network input, to check the C# input formula and mean')
    resized = torch.nn.functional.interpolate(mean_image[None], size=(64, 64), mode='bilinear', align_corners=False)[0]
    write('resnet18_mean_64', resized, 'MeanImage resized to 64x64 as pytorch_reference.py finetune does (bilinear, corners not aligned)')
    with open(os.path.join(OUT, 'resnet18_2223_state_dict.json'), 'w') as f:
        entries = ',\n'.join('  ' + json.dumps([k, list(v.shape)]) for k, v in net.state_dict().items())
        f.write('{"note": "torchvision ResNet(BasicBlock, [2, 2, 2, 3], num_classes=1000).state_dict(): key and shape, '
                'in order",\n "entries": [\n' + entries + '\n]}\n')
    print(json.dumps({'features': list(features.shape), 'first': features[0, :4].tolist(),
                      'conv1_weight_first': net.conv1.weight.flatten()[:3].tolist(), 'out': OUT}))


if __name__ == '__main__':
    sys.exit(main())
