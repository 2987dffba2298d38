#!/usr/bin/env python3
"""PyTorch's CPU training speed for the benchmark's FP32 models, beside tfjs.

The same networks as src/train/arch.ts builds with --method fp (no bias before
BatchNorm, BN momentum as tfjs' 0.9, 4-bit activations as a learned-clip
quantizer with a straight-through rounding, or float ReLU), the same batch and
optimizer (Adam), timed the way bench/train-probe.ts times tfjs: a synthetic
batch, warm-up steps, then the mean of timed steps. Prints one JSON line.
PyTorch is only a yardstick here, never a dependency of qtsc.

  python3 bench/pytorch-speed.py --arch mlp|cnn [--act-bits 0|N] [--batch-size 100]
                                 [--threads 2] [--steps 20]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class QuantAct(nn.Module):
    """Unsigned b-bit activation with a learned clip (as QtscQuantAct)."""

    def __init__(self, bits: int, clip: float = 2.0):
        super().__init__()
        self.levels = 2**bits - 1
        self.clip = nn.Parameter(torch.tensor(clip))

    def forward(self, x):
        y = torch.minimum(F.relu(x), self.clip)
        s = self.clip / self.levels
        q = torch.round(y / s) * s
        return y + (q - y).detach()


def act(bits: int) -> nn.Module:
    return nn.ReLU() if bits == 0 else QuantAct(bits)


def mlp(bits: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256, bias=False), nn.BatchNorm1d(256, momentum=0.1), act(bits),
        nn.Linear(256, 256, bias=False), nn.BatchNorm1d(256, momentum=0.1), act(bits),
        nn.Linear(256, 10),
    )


def cnn(bits: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, momentum=0.1), act(bits), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, momentum=0.1), act(bits), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 64, 128, bias=False), nn.BatchNorm1d(128, momentum=0.1), act(bits),
        nn.Linear(128, 10),
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--arch', choices=['mlp', 'cnn'], default='mlp')
    p.add_argument('--act-bits', type=int, default=4)
    p.add_argument('--batch-size', type=int, default=100)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = mlp(a.act_bits) if a.arch == 'mlp' else cnn(a.act_bits)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch_size,))

    def step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    ms = (time.perf_counter() - t0) * 1000 / a.steps
    print(json.dumps({
        'arch': a.arch, 'actBits': a.act_bits, 'batch': a.batch_size, 'threads': a.threads,
        'torch': torch.__version__, 'stepMs': ms, 'imagesPerSecond': a.batch_size * 1000 / ms,
    }))


if __name__ == '__main__':
    main()
