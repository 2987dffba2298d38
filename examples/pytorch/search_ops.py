"""The weight-search estimators of paper 000 (eq. 2-6) as PyTorch autograd code.

The same definitions as qtsc's src/train/search-ops.ts. A searched weight holds
m logits alpha over the sorted candidate values q = [q^1 .. q^m] (the last
axis of `alpha`); both estimators make the forward weight exactly one
candidate, q^k with k = argmax (ties to the first maximum, as tf.argMax and
torch.argmax). They differ in the backward pass:

- RDHS (eq. 2-4): y = softmax((alpha + mu*n)/tau), n ~ Gumbel(0, 1); forward
  w = q[argmax y]; backward straight through to y, dL/dy^k = dL/dw * q^k, then
  through the softmax: dL/dalpha^k = y^k (q^k - ybar) dL/dw / tau.
- SGT (eq. 5-6): forward w = q[argmax alpha]; backward
  dL/dalpha^r = dL/dw * sign(q^r - w).
"""
import math
from typing import Optional, Sequence

import torch

# The named value spaces of src/layers/value-space.ts, sorted ascending.
VALUE_SPACES = {
    'binary': [-1.0, 1.0],
    'pow2-2': [-1.0, -0.5, 0.5, 1.0],
    'pow2-3': [-1.0, -0.5, -0.25, -0.125, 0.125, 0.25, 0.5, 1.0],
}


def resolve_value_space(space) -> list:
    """The sorted candidate values of a named space or a list / "a,b,c" string."""
    if isinstance(space, str):
        if space in VALUE_SPACES:
            return list(VALUE_SPACES[space])
        try:
            values = [float(t) for t in space.strip('[]').split(',')]
        except ValueError:
            raise ValueError(f"unknown value space '{space}' (known: {', '.join(VALUE_SPACES)}, or numbers separated by commas)") from None
    else:
        values = [float(v) for v in space]
    if not values or any(not math.isfinite(v) for v in values):
        raise ValueError(f'invalid value space {space!r}: needs at least one finite value')
    values = [0.0 if v == 0 else v for v in values]
    if len(set(values)) != len(values):
        raise ValueError(f'invalid value space {space!r}: values must be distinct')
    return sorted(values)


def select_candidate(t: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """q[argmax(t, -1)]: the candidate each weight selects (no gradient)."""
    return q[torch.argmax(t, dim=-1)]


# Bounds of the uniform draw and of e = -log u behind the Gumbel noise, as
# search-ops.ts: u and e clamped so that -log(-log u) is finite for every draw.
GUMBEL_U_MIN = 2.0 ** -32
GUMBEL_U_MAX = 1 - 2.0 ** -24
GUMBEL_E_MIN = 2.0 ** -24
GUMBEL_E_MAX = 64.0


def gumbel_from_uniform(u: torch.Tensor) -> torch.Tensor:
    """-log(-log u) with u and -log u clamped as in search-ops.ts."""
    e = (-torch.log(u.clamp(GUMBEL_U_MIN, GUMBEL_U_MAX))).clamp(GUMBEL_E_MIN, GUMBEL_E_MAX)
    return -torch.log(e)


def gumbel_noise(shape: Sequence[int], generator: torch.Generator, device=None) -> torch.Tensor:
    """Standard Gumbel noise of `shape`, drawn from `generator` (a CPU generator: the same draw on every device)."""
    u = torch.rand(tuple(shape), generator=generator, dtype=torch.float32)
    return gumbel_from_uniform(u).to(device) if device is not None else gumbel_from_uniform(u)


def rdhs_weight(alpha: torch.Tensor, q: torch.Tensor, tau: float, noise: Optional[torch.Tensor] = None, mu: float = 0.0) -> torch.Tensor:
    """The RDHS weight: q[argmax y] forward, eq. 4 backward (straight through to y).

    hard + (ybar - ybar.detach()) is exactly `hard` in the forward pass (x - x
    is 0 in floating point) and has the gradient of ybar = sum_k y^k q^k, whose
    derivative in y^k is q^k: the straight-through gradient of eq. 4.
    """
    logits = alpha if noise is None or mu == 0 else alpha + mu * noise
    y = torch.softmax(logits / tau, dim=-1)
    hard = select_candidate(y.detach(), q)
    ybar = (y * q).sum(-1)
    return hard + (ybar - ybar.detach())


class _SgtWeight(torch.autograd.Function):
    """SGT: forward q[argmax alpha], backward dL/dalpha^r = dL/dw * sign(q^r - w) (eq. 6)."""

    @staticmethod
    def forward(ctx, alpha, q):
        w = select_candidate(alpha, q)
        ctx.save_for_backward(w, q)
        return w

    @staticmethod
    def backward(ctx, dw):
        w, q = ctx.saved_tensors
        return dw.unsqueeze(-1) * torch.sign(q - w.unsqueeze(-1)), None


def sgt_weight(alpha: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return _SgtWeight.apply(alpha, q)


def initial_logits(shape: Sequence[int], m: int, seed: int) -> torch.Tensor:
    """log(1/m) plus uniform noise in [-1e-3, 1e-3), deterministic in `seed` (as search-kernel.ts)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(tuple(shape) + (m,), generator=g) * 2e-3 - 1e-3) + math.log(1 / m)
