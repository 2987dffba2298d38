/**
 * The weight-search estimators as tensor functions.
 *
 * A searched weight w holds m logits alpha (the log of the paper's alpha) over
 * the sorted candidate values q = [q^1 .. q^m]; the last axis of `alpha` is
 * the candidate axis. Both estimators make the forward weight exactly one
 * candidate, q^k with k = argmax; they differ in the backward pass:
 *
 * - RDHS (paper 000, eq. 2-4): y = softmax((alpha + mu*n)/tau), n ~ Gumbel(0,1);
 *   forward w = sum_k onehot(argmax y)^k q^k; backward straight through to y:
 *   dL/dy^k = dL/dw * q^k, then through the softmax to alpha.
 * - SGT (eq. 5-6): forward w = q^k, k = argmax alpha; backward
 *   dL/dalpha^r = dL/dw * sign(q^r - q^k).
 */
import * as tf from '@tensorflow/tfjs';
import { geMask, insideMask } from '../layers/masks.js';

type CGF = Parameters<typeof tf.customGrad>[0];
type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** Identity forward, zero gradient (tfjs has no stopGradient op). */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((xi: tf.Tensor) => ({ value: tf.clone(xi), gradFunc: ((dy: tf.Tensor) => tf.zerosLike(dy)) as GradFn })) as unknown as CGF);
  return op(x);
}

/**
 * q[argmax(t, -1)]: the candidate each weight currently selects (no gradient).
 * Built as sum_k q^k [argmax == k] rather than tf.gather, whose wasm kernel
 * is a scalar loop about 20 times slower; every term but one is zero, so the
 * sum is exactly the candidate.
 */
export function selectCandidate(t: tf.Tensor, q: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const qs = Array.from(q.dataSync());
    const m = qs.length;
    if (m === 1) return tf.fill(t.shape.slice(0, -1), qs[0]);
    const k = tf.cast(tf.argMax(t, -1), 'float32');
    let out: tf.Tensor | null = null;
    for (let i = 0; i < m; i++) {
      if (qs[i] === 0) continue;
      // [k == i] for integer-valued k
      const mask = i === 0 ? tf.step(tf.sub(0.5, k)) : i === m - 1 ? tf.step(tf.sub(k, m - 1.5)) : tf.step(tf.sub(0.5, tf.abs(tf.sub(k, i))));
      const term = tf.mul(mask, qs[i]);
      out = out === null ? term : tf.add(out, term);
    }
    return out ?? tf.zerosLike(k);
  });
}

/**
 * Hard selection with a straight-through gradient to the soft weights y
 * (the RDHS forward/backward): forward q[argmax y], backward dw * q^k for each k.
 */
export function hardSelectST(y: tf.Tensor, q: tf.Tensor1D): tf.Tensor {
  const op = tf.customGrad(((yi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([q]);
    const value = selectCandidate(yi, q);
    const gradFunc: GradFn = (dw, saved) => tf.mul(tf.expandDims(dw, -1), saved[0]);
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(y);
}

/**
 * Bounds of the uniform draw behind the Gumbel noise. tf.randomUniform(lo, 1)
 * can return exactly 1 in float32 (any draw within 2^-25 of 1 rounds to it,
 * and 1 - 1e-10 is 1), and 0 when lo is 0; at either end -log(-log u) is
 * infinite and the softmax computes inf - inf = NaN. 1 - 2^-24 is the
 * largest float32 below 1; 2^-32 is the generator's own resolution.
 */
export const GUMBEL_U_MIN = 2 ** -32;
export const GUMBEL_U_MAX = 1 - 2 ** -24;
/**
 * Bounds of e = -log u before the outer log: for u = 1 - 2^-24 it is about
 * 2^-24 in exact arithmetic, but a float32 log of a value that close to 1 may
 * round to 0 (or lose its sign), so e is clamped to [2^-24, 64] as well
 * (-log 2^-32 is about 22.2). The noise then lies in about [-4.2, 16.7].
 */
const GUMBEL_E_MIN = 2 ** -24;
const GUMBEL_E_MAX = 64;

/**
 * Standard Gumbel noise -log(-log u), u ~ U(0, 1), of the given shape; finite
 * for every draw (see GUMBEL_U_MIN / GUMBEL_U_MAX). `seed` makes it
 * deterministic.
 */
export function gumbelNoise(shape: number[], seed?: number): tf.Tensor {
  return tf.tidy(() => gumbelFromUniform(tf.randomUniform(shape, 0, 1, 'float32', seed)));
}

/** -log(-log u) with u and -log u clamped as above: finite for every u in [0, 1]. */
export function gumbelFromUniform(u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const e = tf.clipByValue(tf.neg(tf.log(tf.clipByValue(u, GUMBEL_U_MIN, GUMBEL_U_MAX))), GUMBEL_E_MIN, GUMBEL_E_MAX);
    return tf.neg(tf.log(e));
  });
}

/** RDHS soft weights y = softmax((alpha + mu * Gumbel)/tau) along the candidate axis. */
export function rdhsSoft(alpha: tf.Tensor, tau: number, mu: number, seed?: number): tf.Tensor {
  return tf.tidy(() => {
    let logits = alpha;
    if (mu > 0) logits = tf.add(alpha, tf.mul(gumbelNoise(alpha.shape, seed), mu));
    return tf.softmax(tf.div(logits, tau));
  });
}

/*
 * rdhsWeight and sgtWeight work on the candidate axis moved to the front:
 * m contiguous rows of K = size/m values. wasm's kernels are many times
 * slower on a tiny innermost axis (softmax, argMax, and broadcasts of [K, 1]
 * or [m] against [K, m] run as scalar loops), while per-row elementwise ops
 * are vectorised; one transpose each way costs less than those.
 */

/** The m candidate rows [K] of t [..., m]. */
function candidateRows(t: tf.Tensor): tf.Tensor[] {
  const m = t.shape[t.rank - 1];
  return tf.unstack(tf.transpose(tf.reshape(t, [-1, m])));
}

/** The inverse of candidateRows: rows [K] back to [..., m] of `shape`. */
function fromCandidateRows(rows: tf.Tensor[], shape: number[]): tf.Tensor {
  return tf.reshape(tf.transpose(tf.stack(rows)), shape);
}

/**
 * q[argmax over the rows] per column, ties to the first row (as tf.argMax).
 * Exact: each update keeps one of two values and multiplies the other by 0
 * (finite inputs).
 */
function selectRows(rows: tf.Tensor[], qs: readonly number[]): tf.Tensor {
  let best = rows[0];
  let value: tf.Tensor = tf.fill(rows[0].shape, qs[0]);
  for (let r = 1; r < rows.length; r++) {
    const wins = tf.step(tf.sub(rows[r], best)); // [row r > best so far]
    const keeps = tf.sub(1, wins);
    value = tf.add(tf.mul(value, keeps), tf.mul(wins, qs[r]));
    if (r + 1 < rows.length) best = tf.add(tf.mul(best, keeps), tf.mul(rows[r], wins));
  }
  return value;
}

/** max(a, b), exactly; wasm's Maximum kernel is a scalar loop. */
function maxExact(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const bWins = tf.step(tf.sub(b, a));
  return tf.add(tf.mul(a, tf.sub(1, bWins)), tf.mul(b, bWins));
}

/** Softmax across the rows (as tf.softmax along the candidate axis). */
function softmaxRows(rows: tf.Tensor[]): tf.Tensor[] {
  let mx = rows[0];
  for (let r = 1; r < rows.length; r++) mx = maxExact(mx, rows[r]);
  const e = rows.map((z) => tf.exp(tf.sub(z, mx)));
  const sum = e.reduce((a, b) => tf.add(a, b));
  return e.map((v) => tf.div(v, sum));
}

/**
 * The RDHS weight: exactly a candidate in the forward pass, gradient via
 * eq. 4. Same values and gradients as hardSelectST(rdhsSoft(alpha, tau, mu,
 * seed), q), fused: with y the soft weights and ybar = sum_k y^k q^k,
 * dL/dalpha^k = y^k (q^k - ybar) dL/dw / tau.
 */
export function rdhsWeight(alpha: tf.Tensor, q: tf.Tensor1D, tau: number, mu = 0, seed?: number): tf.Tensor {
  const qs = Array.from(q.dataSync());
  const outShape = alpha.shape.slice(0, -1);
  const op = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    let logits = a;
    // the noise of rdhsSoft, drawn identically
    if (mu > 0) logits = tf.add(a, tf.mul(gumbelNoise(a.shape, seed), mu));
    const y = softmaxRows(candidateRows(tf.div(logits, tau)));
    const value = tf.reshape(selectRows(y, qs), outShape);
    save(y);
    const gradFunc: GradFn = (dw, ys) => {
      const g = tf.div(tf.reshape(dw, [-1]), tau);
      const ybar = ys.map((yk, k) => tf.mul(yk, qs[k])).reduce((s, t) => tf.add(s, t));
      return fromCandidateRows(
        ys.map((yk, k) => tf.mul(tf.mul(yk, tf.sub(qs[k], ybar)), g)),
        a.shape,
      );
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(alpha);
}

/** The SGT weight: q[argmax alpha] forward, eq. 6 backward: dL/dalpha^r = dL/dw sign(q^r - w). */
export function sgtWeight(alpha: tf.Tensor, q: tf.Tensor1D): tf.Tensor {
  const qs = Array.from(q.dataSync());
  const outShape = alpha.shape.slice(0, -1);
  const op = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    const w = selectRows(candidateRows(a), qs);
    save([w]);
    const gradFunc: GradFn = (dw, [sw]) => {
      const d = tf.reshape(dw, [-1]);
      return fromCandidateRows(
        qs.map((qk) => tf.mul(d, tf.sign(tf.sub(qk, sw)))),
        a.shape,
      );
    };
    return { value: tf.reshape(w, outShape), gradFunc };
  }) as unknown as CGF);
  return op(alpha);
}

/**
 * The per-candidate masks P of the channel-expansion formulation of a
 * searched convolution (paper 000, section 2.5): the layer convolves
 * concat_r(q^r x) with the masks, so the weight in force is sum_r q^r P^r and
 * dL/dP^r = q^r dL/dw. The masks are one-hot over the last axis (the
 * candidate of argmax) in both estimators.
 *
 * RDHS: one-hot of argmax y, y = rdhsSoft(alpha); backward straight through
 * to y (eq. 4), so dL/dy^r = q^r dL/dw, as in rdhsWeight.
 */
export function rdhsMask(alpha: tf.Tensor, tau: number, mu = 0, seed?: number): tf.Tensor {
  const op = tf.customGrad(((yi: tf.Tensor) => {
    const value = tf.tidy(() => tf.oneHot(tf.argMax(yi, -1), yi.shape[yi.shape.length - 1]).toFloat());
    const gradFunc: GradFn = (dp) => tf.clone(dp);
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(rdhsSoft(alpha, tau, mu, seed));
}

/**
 * SGT's masks: one-hot of argmax alpha. Backward applies eq. 6 to dL/dw,
 * recovered from dL/dP^r = q^r dL/dw as the least-squares fit
 * dL/dw = sum_r q^r dL/dP^r / sum_r (q^r)^2 (exact; the candidates are
 * distinct, so not all zero): dL/dalpha^r = dL/dw * sign(q^r - q^k).
 */
export function sgtMask(alpha: tf.Tensor, q: tf.Tensor1D): tf.Tensor {
  const op = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    const [value, selected] = tf.tidy(() => {
      const k = tf.argMax(a, -1);
      return [tf.oneHot(k, q.shape[0]).toFloat(), tf.gather(q, k)];
    });
    save([selected, q]);
    const gradFunc: GradFn = (dp, saved) => {
      const [sel, qs] = saved as [tf.Tensor, tf.Tensor1D];
      const dw = tf.div(tf.sum(tf.mul(dp, qs), -1), tf.sum(tf.square(qs)));
      return tf.mul(tf.expandDims(dw, -1), tf.sign(tf.sub(qs, tf.expandDims(sel, -1))));
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(alpha);
}

/**
 * Nearest-candidate rounding of latent float weights with a straight-through
 * gradient inside [q_min, q_max] (BinaryConnect for the binary space, where it
 * is sign with 0 -> +1). Ties go to the larger candidate.
 */
export function nearestSTE(w: tf.Tensor, values: readonly number[]): tf.Tensor {
  const lo = values[0];
  const hi = values[values.length - 1];
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    const value = quantizeNearest(x, values);
    const gradFunc: GradFn = (dy, saved) =>
      tf.mul(dy, insideMask(saved[0], lo, hi));
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(w);
}

/** Nearest candidate to each element (ties to the larger), no gradient. */
export function quantizeNearest(x: tf.Tensor, values: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    if (values.length === 1) return tf.fill(x.shape, values[0]);
    // value = q0 + sum_i [x >= mid_i] * (q_{i+1} - q_i)
    let out: tf.Tensor = tf.fill(x.shape, values[0]);
    for (let i = 0; i + 1 < values.length; i++) {
      const mid = (values[i] + values[i + 1]) / 2;
      out = tf.add(out, tf.mul(geMask(x, mid), values[i + 1] - values[i]));
    }
    return out;
  });
}

/** Largest int8 magnitude used by the symmetric int8 weights. */
export const INT8_MAX = 127;

/**
 * Symmetric per-tensor int8 weights (the int8 first/last-layer policy):
 * s = max|w| / 127, forward s * clamp(round(w / s), -127, 127), gradient
 * straight through to w (the scale carries no gradient). tfjs' round is
 * round-half-to-even; the values are integers times s either way.
 */
export function int8Weight(w: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((x: tf.Tensor) => {
    const value = int8Quantize(x);
    const gradFunc: GradFn = (dy) => tf.clone(dy);
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(w);
}

/** s * clamp(round(w / s), -127, 127) with s = max|w| / 127 (zeros stay zeros), no gradient. */
export function int8Quantize(w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const maxAbs = tf.max(tf.abs(w));
    const s = tf.div(tf.maximum(maxAbs, 1e-30), INT8_MAX);
    return tf.mul(tf.clipByValue(tf.round(tf.div(w, s)), -INT8_MAX, INT8_MAX), s);
  });
}

/**
 * XNOR-Net style scaled binary weights: per output channel (by default the
 * last axis; `axes` are the axes averaged over) a_c = mean |w[..., c]|,
 * forward a_c * sign(w), straight-through to w inside [-1, 1].
 */
export function xnorWeight(w: tf.Tensor, axes: number[] = w.shape.slice(0, -1).map((_, i) => i)): tf.Tensor {
  return tf.tidy(() => {
    const scale = stopGradient(tf.mean(tf.abs(w), axes, true));
    return tf.mul(nearestSTE(w, [-1, 1]), scale);
  });
}
