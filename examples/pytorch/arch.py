"""The MLP and CNN of qtsc's `train --arch mlp|cnn` (src/train/arch.ts) as PyTorch modules.

Every weight layer is searched (the 'space' first/last policy, qtsc's
default: every layer in the value space, so the export needs no
multiplier). Each hidden weight layer has no bias and is followed by
BatchNormalization (tfjs' defaults: epsilon 1e-3, moving-average momentum
0.9, i.e. PyTorch momentum 0.1) and the activation; the last layer has a bias
and emits raw logits. Layer names are those of the tfjs models.
"""
from collections import OrderedDict
from typing import List, Sequence, Union

import torch.nn as nn

from layers import SearchConv2d, SearchLinear, activation

DEFAULT_MLP_HIDDEN = [256, 256]
DEFAULT_CNN_FILTERS = [32, 64]
DEFAULT_CNN_HIDDEN = [128]
# BatchNormalization as tfjs-layers makes it
BN_EPS = 1e-3
BN_MOMENTUM = 0.1


def activation_bits(act_bits: Union[int, Sequence[int]], names: List[str], arch: str) -> List[int]:
    """One value for every activation layer, or exactly one per layer in network order."""
    bits = [act_bits] if isinstance(act_bits, int) else list(act_bits)
    if len(bits) == 1:
        return bits * len(names)
    if len(bits) != len(names):
        raise ValueError(f'act-bits: {len(bits)} values given, but {arch} has {len(names)} activation layers ({", ".join(names)}): give one value for all or one per layer, in that order')
    return bits


def build_mlp(input_shape: Sequence[int], num_classes: int, values, method: str, act_bits=4, hidden=DEFAULT_MLP_HIDDEN, seed: int = 1, mu: float = 0.0, act_clip: float = 2.0) -> nn.Sequential:
    """flatten -> [dense (no bias) -> BN -> act] per hidden -> logits (bias)."""
    in_dim = 1
    for d in input_shape:
        in_dim *= d
    bits = activation_bits(act_bits, [f'act{i + 1}' for i in range(len(hidden))], 'mlp')
    sizes = list(hidden) + [num_classes]
    layers = OrderedDict(flatten=nn.Flatten())
    width = in_dim
    for i, units in enumerate(sizes):
        last = i == len(sizes) - 1
        layers['logits' if last else f'dense{i + 1}'] = SearchLinear(width, units, last, values, method, seed * 101 + i, mu)
        if last:
            break
        layers[f'bn{i + 1}'] = nn.BatchNorm1d(units, eps=BN_EPS, momentum=BN_MOMENTUM)
        layers[f'act{i + 1}'] = activation(bits[i], act_clip)
        width = units
    return nn.Sequential(layers)


def build_cnn(input_shape: Sequence[int], num_classes: int, values, method: str, act_bits=4, filters=DEFAULT_CNN_FILTERS, hidden=DEFAULT_CNN_HIDDEN, seed: int = 1, mu: float = 0.0, act_clip: float = 2.0) -> nn.Sequential:
    """input [c, h, w] -> [conv3x3 same (no bias) -> BN -> act -> maxpool 2x2] per conv -> flatten -> [dense -> BN -> act] per hidden -> logits."""
    if len(input_shape) != 3:
        raise ValueError(f'cnn: input shape must be [channels, rows, cols], got {list(input_shape)}')
    c, h, w = input_shape
    names = [f'cact{k + 1}' for k in range(len(filters))] + [f'act{k + 1}' for k in range(len(hidden))]
    bits = activation_bits(act_bits, names, 'cnn')
    layers = OrderedDict()
    i = 0
    for k, f in enumerate(filters):
        layers[f'conv{k + 1}'] = SearchConv2d(c, f, 3, False, values, method, seed * 101 + i, mu)
        layers[f'cbn{k + 1}'] = nn.BatchNorm2d(f, eps=BN_EPS, momentum=BN_MOMENTUM)
        layers[f'cact{k + 1}'] = activation(bits[k], act_clip)
        layers[f'pool{k + 1}'] = nn.MaxPool2d(2, 2)
        c, h, w = f, h // 2, w // 2
        i += 1
    layers['flatten'] = nn.Flatten()
    width = c * h * w
    sizes = list(hidden) + [num_classes]
    for k, units in enumerate(sizes):
        last = k == len(sizes) - 1
        layers['logits' if last else f'dense{k + 1}'] = SearchLinear(width, units, last, values, method, seed * 101 + i, mu)
        i += 1
        if last:
            break
        layers[f'bn{k + 1}'] = nn.BatchNorm1d(units, eps=BN_EPS, momentum=BN_MOMENTUM)
        layers[f'act{k + 1}'] = activation(bits[len(filters) + k], act_clip)
        width = units
    return nn.Sequential(layers)


def default_loss_scale(model: nn.Sequential) -> float:
    """1/sqrt(fan-in of the last layer): it is quantized (src/train/arch.ts defaultLossScale)."""
    last = model[-1]
    return 1 / last.in_features ** 0.5
