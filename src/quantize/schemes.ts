/**
 * The three data-free quantization schemes of paper 002 (section III.a), each
 * fitted to one group of float values (a tensor, or one output channel):
 *
 * - `asym` (uniform asymmetric, min/max with a zero point): the range
 *   [lo, hi] = [min(x, 0), max(x, 0)] is cut into 2^n - 1 steps of
 *   s = (hi - lo) / (2^n - 1); the integer zero point zp = round(-lo / s)
 *   makes 0 exactly representable; q = clamp(round(x / s) + zp, 0, 2^n - 1),
 *   value (q - zp) * s. 2^n levels.
 * - `sym` (uniform symmetric, max|x|): L = 2^(n-1) - 1, s = max|x| / L,
 *   q = clamp(round(x / s), -L, L), value q * s. 2^n - 1 levels (n >= 2).
 * - `pow2` (power of two): one sign bit and n - 1 exponent bits, so
 *   M = 2^(n-1) magnitudes 2^emin .. 2^emax with emax = round(log2 max|x|),
 *   emin = emax - M + 1; value sign(x) * 2^clamp(round(log2 |x|), emin, emax)
 *   (0 counts as positive and takes the smallest magnitude: the scheme has no
 *   zero level). 2^n levels; n = 1 gives {-2^emax, +2^emax}.
 *
 * round() rounds halves away from zero. Every value is finally rounded to
 * float32, the precision the model stores.
 *
 * A weight's *code* is its index in the group's levels sorted ascending;
 * `levels[code]` is its value.
 */
export const SCHEMES = ['asym', 'sym', 'pow2'] as const;
export type Scheme = (typeof SCHEMES)[number];

/** Smallest bit width each scheme accepts (sym needs a sign and one magnitude bit). */
export const MIN_BITS: Record<Scheme, number> = { asym: 1, sym: 2, pow2: 1 };
export const MAX_BITS = 16;

/** Parameters of a scheme fitted to one group of values. */
export type QuantParams =
  | { scheme: 'asym'; bits: number; scale: number; zeroPoint: number }
  | { scheme: 'sym'; bits: number; scale: number }
  | { scheme: 'pow2'; bits: number; expMin: number; expMax: number };

/** A fitted quantizer: its parameters, its levels (ascending, float32) and the code of any value. */
export interface Quantizer {
  readonly params: QuantParams;
  /** Every representable value, sorted ascending, float32-exact. */
  readonly levels: Float64Array;
  /** Index into `levels` of the value x is quantized to. */
  code(x: number): number;
}

/** Rounds half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function checkBits(scheme: Scheme, bits: number): void {
  if (!Number.isInteger(bits) || bits < MIN_BITS[scheme] || bits > MAX_BITS) {
    throw new Error(`scheme '${scheme}' takes ${MIN_BITS[scheme]} to ${MAX_BITS} bits, got ${bits}`);
  }
}

function extent(values: ArrayLike<number>): { min: number; max: number; maxAbs: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`cannot quantize the non-finite value ${v} (index ${i})`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) return { min: 0, max: 0, maxAbs: 0 };
  return { min, max, maxAbs: Math.max(Math.abs(min), Math.abs(max)) };
}

/** The smallest float32 step (2^-149): finer steps would give levels float32 cannot tell apart. */
const MIN_SCALE = 2 ** -149;

function asym(bits: number, values: ArrayLike<number>): Quantizer {
  const { min, max } = extent(values);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const top = 2 ** bits - 1;
  const scale = hi > lo ? Math.max(MIN_SCALE, (hi - lo) / top) : 1;
  const zeroPoint = clamp(roundHalfAway(-lo / scale), 0, top);
  const levels = Float64Array.from({ length: top + 1 }, (_, q) => Math.fround((q - zeroPoint) * scale));
  return {
    params: { scheme: 'asym', bits, scale, zeroPoint },
    levels,
    code: (x) => clamp(roundHalfAway(x / scale) + zeroPoint, 0, top),
  };
}

function sym(bits: number, values: ArrayLike<number>): Quantizer {
  const { maxAbs } = extent(values);
  const L = 2 ** (bits - 1) - 1;
  const scale = maxAbs > 0 ? Math.max(MIN_SCALE, maxAbs / L) : 1;
  const levels = Float64Array.from({ length: 2 * L + 1 }, (_, i) => Math.fround((i - L) * scale));
  return {
    params: { scheme: 'sym', bits, scale },
    levels,
    code: (x) => clamp(roundHalfAway(x / scale), -L, L) + L,
  };
}

function pow2(bits: number, values: ArrayLike<number>): Quantizer {
  const { maxAbs } = extent(values);
  const M = 2 ** (bits - 1);
  // float32 holds 2^-149 .. 2^127; keep the whole grid inside it
  const expMax = clamp(maxAbs > 0 ? roundHalfAway(Math.log2(maxAbs)) : 0, -149 + M - 1, 127);
  const expMin = expMax - M + 1;
  const levels = new Float64Array(2 * M);
  for (let i = 0; i < M; i++) {
    levels[i] = -(2 ** (expMax - i));
    levels[M + i] = 2 ** (expMin + i);
  }
  return {
    params: { scheme: 'pow2', bits, expMin, expMax },
    levels,
    code: (x) => {
      const e = x === 0 ? expMin : clamp(roundHalfAway(Math.log2(Math.abs(x))), expMin, expMax);
      return x < 0 ? expMax - e : M + (e - expMin);
    },
  };
}

/** Fits `scheme` with `bits` bits to the given values. */
export function fitQuantizer(scheme: Scheme, bits: number, values: ArrayLike<number>): Quantizer {
  checkBits(scheme, bits);
  switch (scheme) {
    case 'asym':
      return asym(bits, values);
    case 'sym':
      return sym(bits, values);
    case 'pow2':
      return pow2(bits, values);
  }
}
