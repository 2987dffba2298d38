#!/usr/bin/env python3
"""Evaluates the PyTorch estimators and quantizers on cases given as JSON, for comparison with qtsc's tfjs code.

  python3 check_semantics.py CASES.json     prints the results as one JSON object

CASES.json (written by test/examples/pytorch-semantics.test.ts from the
tfjs implementation's own inputs):
  selection: [{values, alpha [K][m]}]          -> the frozen weights q[argmax alpha] (SearchWeight.frozen)
  rdhs: [{values, alpha, tau, dw [K]}]         -> w and dL/dalpha of L = sum(w * dw)
  sgt:  [{values, alpha, dw}]                  -> the same for SGT
  quant: [{bits, clip, x [N], dy [N]}]         -> y, the frozen (exported) form's y, dL/dx, dL/dclip
  sign: {x, dy}                                -> y, the frozen form's y, dL/dx
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import FrozenQuant, FrozenSign  # noqa: E402
from layers import QuantAct, SearchWeight, SignAct  # noqa: E402


def searched(values, alpha, method, tau=1.0):
    a = torch.tensor(alpha, dtype=torch.float32)
    sw = SearchWeight(tuple(a.shape[:-1]), values, method, seed=1, tau=tau)
    with torch.no_grad():
        sw.alpha.copy_(a)
    return sw


def estimator(case, method):
    sw = searched(case['values'], case['alpha'], method, case.get('tau', 1.0))
    w = sw.effective(training=True)
    (w * torch.tensor(case['dw'])).sum().backward()
    return {'w': w.detach().tolist(), 'grad': sw.alpha.grad.tolist()}


def quant(case):
    act = QuantAct(case['bits'], case['clip'])
    x = torch.tensor(case['x'], dtype=torch.float32, requires_grad=True)
    y = act(x)
    (y * torch.tensor(case['dy'])).sum().backward()
    frozen = FrozenQuant(case['bits'], case['clip'])(x.detach())
    return {'y': y.detach().tolist(), 'yFrozen': frozen.tolist(), 'dx': x.grad.tolist(), 'dclip': float(act.clip.grad[0])}


def sign(case):
    x = torch.tensor(case['x'], dtype=torch.float32, requires_grad=True)
    y = SignAct()(x)
    (y * torch.tensor(case['dy'])).sum().backward()
    return {'y': y.detach().tolist(), 'yFrozen': FrozenSign()(x.detach()).tolist(), 'dx': x.grad.tolist()}


def main() -> int:
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = {
        'selection': [searched(c['values'], c['alpha'], 'sgt').frozen().tolist() for c in cases['selection']],
        'rdhs': [estimator(c, 'rdhs') for c in cases['rdhs']],
        'sgt': [estimator(c, 'sgt') for c in cases['sgt']],
        'quant': [quant(c) for c in cases['quant']],
        'sign': sign(cases['sign']),
    }
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main())
