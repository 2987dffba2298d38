"""Data: an MNIST-layout IDX directory (as qtsc's --dataset PATH), or synthetic images for smoke tests.

Images come out as uint8 [n, channels, rows, cols] (NCHW; IDX files with
channels are stored [n, rows, cols, channels] and are transposed), labels as
int64 [n]. The models see pixels/255, as qtsc's trainer feeds them.
"""
import gzip
import os
import struct

import numpy as np
import torch

# IDX element types (the third byte of the magic number)
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}


def read_idx(path: str) -> np.ndarray:
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f'{path}: not an IDX file (bad magic number)')
    ndim = raw[3]
    dims = struct.unpack(f'>{ndim}I', raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    count = int(np.prod(dims)) if dims else 1
    body = raw[4 + 4 * ndim:]
    if len(body) != count * dtype.itemsize:
        raise ValueError(f'{path}: header says {dims} ({count * dtype.itemsize} bytes), the file holds {len(body)}')
    return np.frombuffer(body, dtype=dtype).reshape(dims).copy()


def _find(directory: str, prefix: str, kind: str) -> str:
    names = sorted(os.listdir(directory))
    for name in names:
        if name.startswith(prefix) and f'-{kind}-idx' in name:
            return os.path.join(directory, name)
    raise FileNotFoundError(f'{directory}: no {prefix}-{kind}-idx*-ubyte[.gz] file (MNIST layout: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...)')


def load_idx_dir(directory: str, split: str):
    """(images uint8 [n, c, h, w], labels int64 [n]) of the 'train' or 'test' (t10k) split."""
    prefix = 'train' if split == 'train' else 't10k'
    images = read_idx(_find(directory, prefix, 'images'))
    labels = read_idx(_find(directory, prefix, 'labels'))
    if images.ndim == 3:
        images = images[:, None, :, :]
    elif images.ndim == 4:
        images = images.transpose(0, 3, 1, 2)
    else:
        raise ValueError(f'{directory}: {prefix} images have {images.ndim} dimensions, expected [n, rows, cols] or [n, rows, cols, channels]')
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f'{directory}: {images.shape[0]} {prefix} images but {labels.shape[0]} labels')
    return torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels.astype(np.int64))


def synthetic(n_train: int, n_test: int, shape=(1, 28, 28), classes: int = 10, seed: int = 0):
    """Learnable random data, ((images, labels) train, (images, labels) test): class k is one random template plus noise (uint8)."""
    g = torch.Generator().manual_seed(seed)
    templates = torch.rand((classes,) + tuple(shape), generator=g)
    n = n_train + n_test
    labels = torch.randint(0, classes, (n,), generator=g)
    noise = torch.rand((n,) + tuple(shape), generator=g)
    images = ((0.5 * templates[labels] + 0.5 * noise) * 255).round().to(torch.uint8)
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])
