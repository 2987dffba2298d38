"""freeze (the deployable model) and the ONNX export that qtsc's importer reads.

freeze mirrors src/train/freeze.ts: each searched layer becomes a plain
Linear / Conv2d whose weight is q[argmax alpha], exactly value-space values;
BatchNorm layers are copied (their running statistics should be the
population statistics of the final weights, see train_ddp.py); the
activations become export forms of the same quantizers.

The ONNX graph (opset 13): Flatten, Gemm (transB=1, weight [out, in]), Conv
(NCHW, OIHW kernel), BatchNormalization (inference form), MaxPool, and the
activations as QONNX nodes of domain 'qonnx.custom_op.general':
Quant(x, scale, zeropt, bitwidth) with signed=0, narrow=0,
rounding_mode='ROUND' and scale = clip/(2^bits - 1), zeropt 0, bitwidth bits
(scalar float initializers), or BipolarQuant(x, scale) with scale 1 for sign.
The model's metadata_props record qtsc.input_bits and qtsc.input_scale (the
network input is an unsigned 8-bit pixel p and the model sees p * scale, as
userDefinedMetadata.qtsc.input of a tfjs model) and qtsc.value_space (JSON
list of the candidates).
"""
import copy
import json
import warnings
from collections import OrderedDict

import onnx
import torch
import torch.nn as nn

from layers import QuantAct, SearchConv2d, SearchLinear, SignAct

QONNX_DOMAIN = 'qonnx.custom_op.general'
INPUT_BITS = 8
INPUT_SCALE = 1 / 255


class _QuantOp(torch.autograd.Function):
    """qtsc's unsigned quantizer, s * clamp(floor(x/s + 0.5), 0, 2^bits - 1); exported as a QONNX Quant node."""

    @staticmethod
    def forward(ctx, x, scale, zeropt, bitwidth, levels):
        return torch.clamp(torch.floor(x / scale + 0.5), 0, levels) * scale

    @staticmethod
    def symbolic(g, x, scale, zeropt, bitwidth, levels):
        y = g.op(f'{QONNX_DOMAIN}::Quant', x, scale, zeropt, bitwidth, signed_i=0, narrow_i=0, rounding_mode_s='ROUND')
        y.setType(x.type())  # elementwise: the exporter cannot infer a custom op's shape
        return y


class _BipolarOp(torch.autograd.Function):
    """scale * (x >= 0 ? +1 : -1); exported as a QONNX BipolarQuant node."""

    @staticmethod
    def forward(ctx, x, scale):
        return torch.where(x >= 0, scale, -scale)

    @staticmethod
    def symbolic(g, x, scale):
        y = g.op(f'{QONNX_DOMAIN}::BipolarQuant', x, scale)
        y.setType(x.type())
        return y


class _GemmOp(torch.autograd.Function):
    """x W^T (+ b): torch exports a Linear without bias as Transpose + MatMul; this keeps it one Gemm."""

    @staticmethod
    def forward(ctx, x, weight):
        return x @ weight.t()

    @staticmethod
    def symbolic(g, x, weight):
        return g.op('Gemm', x, weight, transB_i=1)


class FrozenLinear(nn.Linear):
    """A Linear that exports as Gemm(transB=1) with or without bias."""

    def forward(self, x):
        return super().forward(x) if self.bias is not None else _GemmOp.apply(x, self.weight)


class FrozenQuant(nn.Module):
    def __init__(self, bits: int, clip: float):
        super().__init__()
        self.levels = levels = 2 ** bits - 1
        # clip / n in float32, as the training forward computes s
        self.register_buffer('scale', (torch.tensor(clip, dtype=torch.float32) / levels).reshape(()))
        self.register_buffer('zeropt', torch.tensor(0.0))
        self.register_buffer('bitwidth', torch.tensor(float(bits)))

    def forward(self, x):
        return _QuantOp.apply(x, self.scale, self.zeropt, self.bitwidth, self.levels)


class FrozenSign(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('scale', torch.tensor(1.0))

    def forward(self, x):
        return _BipolarOp.apply(x, self.scale)


def freeze(model: nn.Sequential) -> nn.Sequential:
    """The deployable model, in eval mode; the same layer names."""
    out = OrderedDict()
    for name, layer in model.named_children():
        if isinstance(layer, SearchLinear):
            lin = FrozenLinear(layer.in_features, layer.out_features, bias=layer.bias is not None)
            with torch.no_grad():
                lin.weight.copy_(layer.sw.frozen())
                if layer.bias is not None:
                    lin.bias.copy_(layer.bias)
            out[name] = lin
        elif isinstance(layer, SearchConv2d):
            conv = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, padding=layer.padding, bias=layer.bias is not None)
            with torch.no_grad():
                conv.weight.copy_(layer.sw.frozen())
                if layer.bias is not None:
                    conv.bias.copy_(layer.bias)
            out[name] = conv
        elif isinstance(layer, QuantAct):
            out[name] = FrozenQuant(layer.bits, float(layer.clip.detach().cpu()[0]))
        elif isinstance(layer, SignAct):
            out[name] = FrozenSign()
        else:
            out[name] = copy.deepcopy(layer)
    return nn.Sequential(out).cpu().eval()


def export_onnx(frozen: nn.Sequential, input_shape, values, path: str, opset: int = 13) -> onnx.ModelProto:
    """Writes the frozen model (batch 1, input [1, *input_shape]) as ONNX and checks it."""
    dummy = torch.zeros((1,) + tuple(input_shape))
    # PRESERVE, not EVAL: the EVAL export folds BatchNormalization into the
    # preceding Conv, which would destroy the value-space kernel
    with warnings.catch_warnings():
        # torch 1.13 announces that g.op moves elsewhere in later versions
        warnings.simplefilter('ignore', FutureWarning)
        # it has none for custom ops; the symbolics set the output types themselves
        warnings.filterwarnings('ignore', message='The shape inference of qonnx')
        torch.onnx.export(
            frozen, dummy, path, opset_version=opset, input_names=['input'], output_names=['logits'],
            training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
            custom_opsets={QONNX_DOMAIN: 1},
        )
    model = onnx.load(path)
    inline_initializer_identities(model.graph)
    for key, value in (('qtsc.input_bits', str(INPUT_BITS)), ('qtsc.input_scale', repr(INPUT_SCALE)), ('qtsc.value_space', json.dumps(list(values)))):
        p = model.metadata_props.add()
        p.key, p.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


def inline_initializer_identities(graph: onnx.GraphProto) -> None:
    """Replaces each Identity of an initializer by a copy of it under the Identity's output name.

    The exporter stores equal parameters once (two BatchNorms' unit scales,
    the activations' zero points) and reads the others through Identity
    nodes; the importer then sees every layer with its own initializers.
    """
    inits = {t.name: t for t in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type == 'Identity' and node.input[0] in inits:
            copy_ = onnx.TensorProto()
            copy_.CopyFrom(inits[node.input[0]])
            copy_.name = node.output[0]
            graph.initializer.append(copy_)
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
