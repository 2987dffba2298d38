#!/usr/bin/env python3
"""Checks an exported model.onnx and runs it on the reference images beside it.

  python3 check_export.py DIR [--data IDXDIR] [--initializers]
      DIR holds model.onnx and reference.json from train_ddp.py; with --data,
      also the graph's accuracy on IDXDIR's test split; with --initializers,
      every initializer (shape and values) and every node's inputs

Runs onnx.checker (full check, with shape inference), lists the graph, the
distinct values of every Gemm / Conv weight, the QONNX nodes' attributes and
the metadata, and evaluates the graph with a small interpreter of its
operators written with torch's functional ops (QONNX's Quant with
rounding_mode ROUND rounds half to even, as QONNX defines it) on the
reference pixels; prints one JSON object with the interpreter's logits
beside the frozen PyTorch model's.
"""
import argparse
import json
import os
import sys

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(model: onnx.ModelProto, x: torch.Tensor) -> torch.Tensor:
    """The graph's output for input x, for the operators the export uses."""
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        i = [env[n] for n in node.input]
        op = node.op_type
        if op == 'Flatten':
            y = torch.flatten(i[0], a.get('axis', 1))
        elif op == 'Gemm':
            w = i[1].t() if a.get('transB', 0) else i[1]
            y = i[0] @ w + (i[2] if len(i) > 2 else 0)
        elif op == 'Conv':
            pads = a.get('pads', [0, 0, 0, 0])
            if pads[0] != pads[2] or pads[1] != pads[3]:
                raise ValueError(f'{node.name}: asymmetric pads {pads}')
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get('strides', [1, 1]), padding=pads[:2])
        elif op == 'BatchNormalization':
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], training=False, eps=a.get('epsilon', 1e-5))
        elif op == 'MaxPool':
            y = F.max_pool2d(i[0], a['kernel_shape'], a.get('strides', a['kernel_shape']))
        elif op == 'Relu':
            y = F.relu(i[0])
        elif op == 'Quant':
            xq, scale, zeropt, bits = i
            lo, hi = (0, 2 ** int(bits) - 1) if not a['signed'] else (-(2 ** (int(bits) - 1)), 2 ** (int(bits) - 1) - 1)
            y = (torch.clamp(torch.round(xq / scale + zeropt), lo, hi) - zeropt) * scale
        elif op == 'BipolarQuant':
            y = torch.where(i[0] >= 0, i[1], -i[1])
        else:
            raise ValueError(f'{node.name}: operator {op} is not one the export uses')
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def graph_accuracy(model: onnx.ModelProto, data_dir: str, scale: float, batch: int = 500) -> float:
    from data import load_idx_dir
    images, labels = load_idx_dir(data_dir, 'test')
    correct = 0
    for s in range(0, labels.shape[0], batch):
        logits = run_graph(model, images[s:s + batch].float() * scale)
        correct += int((logits.argmax(-1) == labels[s:s + batch]).sum())
    return correct / labels.shape[0]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('dir')
    p.add_argument('--data')
    p.add_argument('--initializers', action='store_true')
    a = p.parse_args()
    directory = a.dir
    path = os.path.join(directory, 'model.onnx')
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    weights = {}
    for node in model.graph.node:
        if node.op_type in ('Gemm', 'Conv'):
            w = inits[node.input[1]]
            weights[node.name] = {'shape': list(w.shape), 'values': sorted(set(w.reshape(-1).tolist()))}
    with open(os.path.join(directory, 'reference.json')) as f:
        ref = json.load(f)
    x = torch.tensor(ref['pixels'], dtype=torch.float32).reshape([-1] + ref['inputShape'][1:]) * ref['inputScale']
    logits = torch.cat([run_graph(model, x[k:k + 1]) for k in range(x.shape[0])])
    json.dump({
        'opset': {o.domain: o.version for o in model.opset_import},
        'ops': [n.op_type for n in model.graph.node],
        'domains': sorted({n.domain for n in model.graph.node}),
        'inputShape': [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim],
        'weights': weights,
        'qonnx': [{'op': n.op_type, 'attributes': {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs(n).items()},
                   'inputs': {name: inits[name].tolist() for name in n.input[1:]}} for n in model.graph.node if n.domain],
        'metadata': {p.key: p.value for p in model.metadata_props},
        'logits': logits.tolist(),
        'referenceLogits': ref['logits'],
        **({'testAccuracy': graph_accuracy(model, a.data, ref['inputScale'])} if a.data else {}),
        **({'initializers': {k: {'shape': list(v.shape), 'data': v.reshape(-1).tolist()} for k, v in inits.items()},
            'nodes': [{'op': n.op_type, 'inputs': list(n.input), 'attributes': {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs(n).items()}}
                      for n in model.graph.node]} if a.initializers else {}),
    }, sys.stdout)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main())
