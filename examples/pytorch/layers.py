"""Training layers: searched Linear / Conv2d and qtsc's two activation quantizers.

Mirrors src/train/search-dense.ts, search-conv2d.ts (the 'kernel'
formulation: one convolution with the effective kernel) and
src/layers/ste.ts. PyTorch layouts: a Linear weight is [out, in], a Conv2d
weight [out, in, kh, kw] (OIHW); the logits add the candidate axis last.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from search_ops import gumbel_noise, initial_logits, rdhs_weight, resolve_value_space, select_candidate, sgt_weight

SEARCH_METHODS = ('rdhs', 'sgt')


class _QuantActSte(torch.autograd.Function):
    """y = s * clamp(floor(x/s + 0.5), 0, n), s = clip/n (round half up).

    Backward as src/layers/ste.ts quantActSte: to x straight through where
    0 <= x <= clip, zero elsewhere; to the clip (PACT) the sum of dy where x > clip.
    """

    @staticmethod
    def forward(ctx, x, clip, levels):
        ctx.save_for_backward(x, clip)
        return quant_act_forward(x, clip, levels)

    @staticmethod
    def backward(ctx, dy):
        x, clip = ctx.saved_tensors
        above = x > clip
        inside = (~above) & (x >= 0)
        dclip = (dy * above).sum().reshape(clip.shape)
        return dy * inside, dclip, None


def quant_levels(bits: int) -> int:
    """2^bits - 1, the number of steps above zero."""
    if not isinstance(bits, int) or bits < 1 or bits > 24:
        raise ValueError(f'bits must be an integer in 1..24, got {bits}')
    return 2 ** bits - 1


def quant_act_forward(x: torch.Tensor, clip: torch.Tensor, levels: int) -> torch.Tensor:
    """The forward quantizer alone (float32 division x / s, as the model format says)."""
    s = clip / levels
    return torch.clamp(torch.floor(x / s + 0.5), 0, levels) * s


class _SignSte(torch.autograd.Function):
    """x >= 0 ? +1 : -1 (0 maps to +1); backward dy where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return sign_forward(x)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy * (x.abs() <= 1)


def sign_forward(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class QuantAct(nn.Module):
    """QtscQuantAct with a learned clip (learnClip: true): unsigned `bits`-bit activation."""

    def __init__(self, bits: int, clip: float = 2.0):
        super().__init__()
        self.bits = bits
        self.levels = quant_levels(bits)
        self.clip = nn.Parameter(torch.tensor([float(clip)]))

    def forward(self, x):
        return _QuantActSte.apply(x, self.clip, self.levels)


class SignAct(nn.Module):
    """QtscSign."""

    def forward(self, x):
        return _SignSte.apply(x)


def activation(bits: int, clip: float = 2.0) -> nn.Module:
    """0 float ReLU, 1 sign, b >= 2 a b-bit quantizer with a learned clip (src/train/arch.ts)."""
    if bits == 0:
        return nn.ReLU()
    if bits == 1:
        return SignAct()
    return QuantAct(bits, clip)


class SearchWeight(nn.Module):
    """The searched weight of one layer: logits `alpha` [*shape, m] and the estimator.

    `tau` is set by the trainer each epoch; `noise_step` before each step, so
    the RDHS noise of a step depends only on the layer's seed and the step's
    index (as SearchKernel.noiseSeed), and is the same on every DDP rank.
    """

    def __init__(self, shape, values, method: str, seed: int, tau: float = 1.0, mu: float = 0.0):
        super().__init__()
        if method not in SEARCH_METHODS:
            raise ValueError(f"method must be one of {', '.join(SEARCH_METHODS)}, got '{method}'")
        self.values = resolve_value_space(values)
        self.method = method
        self.seed = seed
        self.tau = tau
        self.mu = mu
        self.noise_step = 0
        self.register_buffer('q', torch.tensor(self.values, dtype=torch.float32), persistent=False)
        self.alpha = nn.Parameter(initial_logits(shape, len(self.values), seed))

    def effective(self, training: bool) -> torch.Tensor:
        """The weight in force; without RDHS noise outside training (the frozen model's candidates)."""
        if self.method == 'sgt':
            return sgt_weight(self.alpha, self.q)
        mu = self.mu if training else 0.0
        noise = None
        if mu > 0:
            g = torch.Generator().manual_seed(self.seed * 1000003 + self.noise_step)
            self.noise_step += 1
            noise = gumbel_noise(self.alpha.shape, g, self.alpha.device)
        return rdhs_weight(self.alpha, self.q, self.tau, noise, mu)

    def frozen(self) -> torch.Tensor:
        """The deployable weight: q[argmax alpha], every element a candidate."""
        with torch.no_grad():
            return select_candidate(self.alpha, self.q).clone()


class SearchLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias: bool, values, method: str, seed: int, mu: float = 0.0):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.sw = SearchWeight((out_features, in_features), values, method, seed, mu=mu)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, x):
        return F.linear(x, self.sw.effective(self.training), self.bias)


class SearchConv2d(nn.Module):
    """A searched convolution, stride 1, 'same' padding (odd kernels: (k-1)/2 on each side, as TF pads)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool, values, method: str, seed: int, mu: float = 0.0):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"SearchConv2d: 'same' padding needs an odd kernel size here, got {kernel_size}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.padding = (kernel_size - 1) // 2
        self.sw = SearchWeight((out_channels, in_channels, kernel_size, kernel_size), values, method, seed, mu=mu)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x):
        return F.conv2d(x, self.sw.effective(self.training), self.bias, padding=self.padding)


def search_weights(model: nn.Module):
    """Every SearchWeight of a model, in module order."""
    return [m for m in model.modules() if isinstance(m, SearchWeight)]
