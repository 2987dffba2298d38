/**
 * Hardware IR: integer semantics, one entry per streaming engine.
 *
 * This file is the contract between the golden model (src/golden/) and the RTL
 * (hw/, templates/). Every number here is an integer; nothing is rounded after
 * this point. docs/arithmetic.md restates the contract in prose.
 */

/** How one activation element is encoded on a stream. */
export type ActType =
  /** 1 bit b, standing for the value 2b-1 in {-1,+1}. */
  | { kind: 'bipolar' }
  /** b-bit unsigned code a, standing for the integer a (the real value is a * scale). */
  | { kind: 'uint'; bits: number };

/**
 * How one weight is encoded in the weight ROM, and the integer ("engine value")
 * it stands for. The real weight is engineValue * weightScale (weightScale is
 * kept in the graph, not needed by the hardware).
 */
export type WeightCoding =
  /** 1 bit: 1 means +1, 0 means -1. */
  | { kind: 'binary' }
  /**
   * Power of two: bits [E-1:0] exponent e in [0, levels-1] (E = clog2(levels), 0 when
   * levels = 1), bit E sign s (1 = negative), bit E+1 zero flag (only when hasZero;
   * 1 = the weight is 0). Engine value = (-1)^s * 2^(levels-1-e).
   */
  | { kind: 'pow2'; levels: number; hasZero: boolean }
  /** Two's complement integer of `bits` bits; engine value = that integer. */
  | { kind: 'int'; bits: number };

export type EngineKind = 'xnor-popcount' | 'sign-add' | 'shift-add' | 'int-mac';

/**
 * Output stage: multi-threshold. With e = negate[c] ? -acc : acc,
 * y = sum_j [e >= thresholds[c][j]], thresholds non-decreasing in j.
 * y is emitted as an element of type `out` (clog2(count+1) bits; for a
 * bipolar output count is 1 and y is the bit).
 */
export interface ThresholdStage {
  kind: 'thresholds';
  count: number;
  /** [mh][count], each within the signed range of `thresholdWidth` bits. */
  thresholds: number[][];
  /** [mh]: compare -acc instead of acc (negative BatchNorm scale). */
  negate: boolean[];
  thresholdWidth: number;
  out: ActType;
}

/**
 * Output stage of the last layer: logit[c] = (acc << shift) + offsets[c], signed,
 * `logitWidth` bits; the top also emits argmax over c (lowest index wins ties).
 */
export interface LogitStage {
  kind: 'logits';
  shift: number;
  /** [mh] */
  offsets: number[];
  logitWidth: number;
}

/** A matrix-vector unit: MH output channels over an MW-element input vector. */
export interface MvuNode {
  op: 'mvu';
  name: string;
  /** Name of the graph layer(s) this came from, for diagnostics. */
  source: string;
  engine: EngineKind;
  mw: number;
  mh: number;
  /** Output channels computed in parallel; divides mh. */
  pe: number;
  /** Input elements consumed per cycle; divides mw. */
  simd: number;
  input: ActType;
  weights: WeightCoding;
  /** [mh][mw] weight codes as stored in the ROM (see WeightCoding). */
  weightCodes: number[][];
  /**
   * Accumulator width in bits (signed two's complement, except xnor-popcount
   * where acc is an unsigned popcount in [0, mw]). Derived from the actual
   * weight codes and the input range.
   */
  accWidth: number;
  /**
   * Exact range of the accumulator over all channels and inputs (also of every
   * partial sum, which is a sub-sum of the same terms).
   */
  accRange: [number, number];
  output: ThresholdStage | LogitStage;
  /** Number of hardware multipliers this node needs (int-mac only). */
  multipliers: number;
}

export type HwNode = MvuNode;

export interface HardwareIR {
  format: 'qtsc-hardware-ir';
  version: 1;
  /** Top-level module name. */
  top: string;
  /** Element type of the accelerator's input vector. */
  input: ActType;
  /** Real value of one input code: x = code * inputScale. */
  inputScale: number;
  /** Number of elements in one input vector. */
  inputLength: number;
  nodes: HwNode[];
}

/** Bits of one element of an activation type. */
export function actBits(t: ActType): number {
  return t.kind === 'bipolar' ? 1 : t.bits;
}

/** The integer an activation code stands for. */
export function actValue(t: ActType, code: number): number {
  return t.kind === 'bipolar' ? 2 * code - 1 : code;
}

/** Range of the integer an activation element can stand for. */
export function actRange(t: ActType): [number, number] {
  return t.kind === 'bipolar' ? [-1, 1] : [0, 2 ** t.bits - 1];
}

/** Bits of one weight code. */
export function weightBits(w: WeightCoding): number {
  switch (w.kind) {
    case 'binary':
      return 1;
    case 'pow2':
      return clog2(w.levels) + 1 + (w.hasZero ? 1 : 0);
    case 'int':
      return w.bits;
  }
}

/**
 * Why a weight code is not valid for its coding, or undefined when it is: it
 * must fit in weightBits(w) bits, and a pow2 code's exponent field must name
 * one of the `levels` exponents (with levels not a power of two, the field
 * can hold more values than there are levels).
 */
export function weightCodeError(w: WeightCoding, code: number): string | undefined {
  const bits = weightBits(w);
  if (!Number.isInteger(code) || code < 0 || code >= 2 ** bits) return `code ${code} is not a ${bits}-bit ${w.kind} weight code (0..${2 ** bits - 1})`;
  if (w.kind === 'pow2') {
    const exp = code & ((1 << clog2(w.levels)) - 1);
    if (exp >= w.levels) return `code ${code} has exponent ${exp}, but the pow2 coding has ${w.levels} levels (exponents 0..${w.levels - 1})`;
  }
  return undefined;
}

/** The integer ("engine value") a weight code stands for. */
export function weightValue(w: WeightCoding, code: number): number {
  switch (w.kind) {
    case 'binary':
      return code & 1 ? 1 : -1;
    case 'pow2': {
      const e = clog2(w.levels);
      const exp = code & ((1 << e) - 1);
      const sign = (code >> e) & 1;
      const zero = w.hasZero ? (code >> (e + 1)) & 1 : 0;
      if (zero) return 0;
      return (sign ? -1 : 1) * 2 ** (w.levels - 1 - exp);
    }
    case 'int': {
      const m = 2 ** w.bits;
      const c = code & (m - 1);
      return c >= m / 2 ? c - m : c;
    }
  }
}

/** Bits of one output element of a node. */
export function outputElementBits(n: MvuNode): number {
  return n.output.kind === 'thresholds' ? actBits(n.output.out) : n.output.logitWidth;
}

/** ceil(log2(n)) for n >= 1; clog2(1) = 0. */
export function clog2(n: number): number {
  let b = 0;
  while (2 ** b < n) b++;
  return b;
}

/** Bits of a two's complement number that holds every integer in [lo, hi]. */
export function signedWidth(lo: number, hi: number): number {
  let b = 1;
  while (-(2 ** (b - 1)) > lo || 2 ** (b - 1) - 1 < hi) b++;
  return b;
}

/** Bits of an unsigned number that holds every integer in [0, hi]. */
export function unsignedWidth(hi: number): number {
  return Math.max(1, clog2(hi + 1));
}
