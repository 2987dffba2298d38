/**
 * Hardware IR: integer semantics, a dataflow graph of streaming units joined
 * by named tensors (streams).
 *
 * This file is the contract between the golden model (src/golden/) and the RTL
 * (hw/, templates/). Every number here is an integer; nothing is rounded after
 * this point. docs/arithmetic.md restates the contract in prose.
 *
 * A tensor is a feature map of shape [H, W, C] that travels pixel by pixel,
 * row-major, the C channels of a pixel consecutive (tfjs' NHWC order); a
 * vector is the 1x1 case. Nodes are listed in topological order; node k reads
 * its `inputs` tensors and writes its `outputs` tensors, each written by
 * exactly one node (or the design input) and read by at most one node (a fork
 * node duplicates a stream).
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

/**
 * Border classes of a padded window over ±1 inputs. A bipolar stream has no
 * code for 0, so the sliding window emits padded taps as the code for -1 and
 * the engine sums them like real taps. Output pixels whose windows cover the
 * same padded taps form a class; for each class the node's thresholds are
 * moved by the padded taps' exact contribution, so the comparison means what
 * the model means (padded taps are 0). Output pixel (oy, ox) of the node's
 * [oh, ow] map (vector or pixel v = oy*ow + ox) has class
 * rowClass[oy]*colClasses + colClass[ox]; class 0 is the interior (no padded
 * tap), whose thresholds are the output stage's own.
 */
export interface BorderClasses {
  /** [oh]: class of each output row (which kernel rows fall in the padding), 0 = none. */
  rowClass: number[];
  /** [ow]: class of each output column, 0 = none. */
  colClass: number[];
  rowClasses: number;
  colClasses: number;
  /** [rowClasses*colClasses][mh][count]: thresholds per class; [0] equals output.thresholds. */
  thresholds: number[][][];
}

/** Class of output pixel v of a node with border classes. */
export function borderClassOf(b: BorderClasses, v: number): number {
  const ow = b.colClass.length;
  return b.rowClass[Math.floor(v / ow)] * b.colClasses + b.colClass[v % ow];
}

/** Element type of a tensor: an activation code, or a signed integer (logits). */
export type ElemType = ActType | { kind: 'sint'; bits: number };

/** [H, W, C]: rows, columns, channels. */
export type Shape = [number, number, number];

export interface TensorInfo {
  elem: ElemType;
  shape: Shape;
}

/** What every node has: a name (a Verilog-safe identifier), provenance and its edges. */
export interface NodeBase {
  name: string;
  /** Names of the model layers this node implements, in model order (for diagnostics and fold files). */
  layers: string[];
  /** Tensors read. */
  inputs: string[];
  /** Tensors written. */
  outputs: string[];
}

/**
 * A matrix-vector unit: MH output channels over an MW-element input vector,
 * applied to numVectors vectors per frame. Its input tensor [h, w, c] is
 * either numVectors = h*w vectors of mw = c elements (a dense layer per pixel,
 * or a convolution behind a sliding-window unit) or, flattened, one vector of
 * mw = h*w*c elements in stream order (tfjs' Flatten of NHWC).
 */
export interface MvuNode extends NodeBase {
  op: 'mvu';
  engine: EngineKind;
  mw: number;
  mh: number;
  /** Input vectors per frame (output pixels of a convolution; 1 for a dense layer). */
  numVectors: number;
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
  /** Per-position thresholds of a padded convolution over ±1 inputs (threshold stage only). */
  borders?: BorderClasses;
  /** Number of hardware multipliers this node needs (int-mac only). */
  multipliers: number;
}

/**
 * Window geometry of a sliding-window or pooling unit over its input tensor
 * [ih, iw, c]: output pixel (oy, ox) covers input pixels (oy*sh + ky - padTop,
 * ox*sw + kx - padLeft) for ky < kh, kx < kw; oh = floor((ih + padTop +
 * padBottom - kh)/sh) + 1, ow likewise.
 */
export interface Window {
  kernel: [number, number];
  stride: [number, number];
  /** [top, left, bottom, right] */
  pad: [number, number, number, number];
}

/**
 * Sliding-window unit: turns a feature map [ih, iw, c] into one window vector
 * per output pixel, [oh, ow, kh*kw*c], taps in (ky, kx, channel) order with
 * the channel fastest (the MVU's weight column order). A tap outside the image
 * is the code padCode: 0 for unsigned codes (the engine adds nothing), and for
 * a bipolar stream the code of -1, which the reading node corrects for with
 * its border classes (BorderClasses).
 */
export interface SwuNode extends NodeBase {
  op: 'swu';
  window: Window;
  /** Channels per stream word, in and out; divides c. */
  simd: number;
  elem: ActType;
  padCode: number;
}

/**
 * Max pooling on activation codes: [ih, iw, c] -> [oh, ow, c], each output the
 * largest code of its window. Exact on codes because every code is a
 * non-decreasing function of the value it stands for; a padded tap is the
 * smallest code (0), which never wins over a real one, so 'same' padding means
 * what tfjs' max pool means (padded taps ignored).
 */
export interface MaxPoolNode extends NodeBase {
  op: 'maxpool';
  window: Window;
  /** Channels per stream word; divides c. */
  simd: number;
  elem: ActType;
}

/**
 * Vector-vector unit: a depthwise convolution behind a sliding window. Its
 * input tensor [oh, ow, taps*channels] holds one window per pixel, taps in
 * (ky, kx) order, channels fastest; output channel o = c*multiplier + m of
 * input channel c computes acc[o] = sum_t w[o][t] * x[t][c] (engine values of
 * weights and inputs, signed, bipolar inputs as ±1) and leaves through a
 * threshold stage. Output tensor [oh, ow, channels*multiplier].
 */
export interface VvuNode extends NodeBase {
  op: 'vvu';
  /** kh*kw */
  taps: number;
  /** Input channels. */
  channels: number;
  /** Output channels per input channel (tfjs' depth_multiplier). */
  multiplier: number;
  /** Input channels per stream word (divides channels); the output word holds simd*multiplier channels. */
  simd: number;
  input: ActType;
  weights: WeightCoding;
  /** [channels*multiplier][taps] weight codes. */
  weightCodes: number[][];
  /** Signed accumulator width; accRange is the exact range of every acc. */
  accWidth: number;
  accRange: [number, number];
  output: ThresholdStage;
  /** Per-position thresholds of a padded depthwise convolution over ±1 inputs. */
  borders?: BorderClasses;
}

/**
 * Sum pooling on activation codes: [ih, iw, c] -> [oh, ow, c], each output
 * the exact sum of its window's codes (average pooling: the 1/N is the next
 * layer's business; global average pooling: one window over the map). Bipolar
 * codes are summed as the bits they are (p = the count of +1; the values sum
 * to 2p - N, which the next layer's thresholds account for); a bipolar pool
 * has no padding. A padded tap of an unsigned pool adds code 0. Without
 * borderScale every window's mean is out / (kh*kw): valid pooling, or padded
 * taps counted as zeros (ONNX AveragePool count_include_pad=1).
 */
export interface SumPoolNode extends NodeBase {
  op: 'sumpool';
  window: Window;
  simd: number;
  elem: ActType;
  /** uint of actBits(elem) + clog2(kh*kw) bits; with borderScale, actBits(elem) + clog2(borderScale.divisor). */
  out: ActType;
  /**
   * Only the taps inside the image count (tfjs 'same', ONNX
   * count_include_pad=0): out(oy, ox, c) = sum * rows[oy] * cols[ox], and the
   * window's mean is out / divisor at every position (src/ir/avg-pool-scale.ts).
   */
  borderScale?: AvgPoolScale;
}

/**
 * Per output row and column of a padded average pool: the integer factors
 * Lr / rowsInside(oy) and Lc / colsInside(ox), Lr and Lc the lcm of those
 * counts, and divisor = Lr * Lc.
 */
export interface AvgPoolScale {
  rows: number[];
  cols: number[];
  divisor: number;
}

/** Duplicates a stream: both outputs see every word (a residual block's fork). */
export interface ForkNode extends NodeBase {
  op: 'fork';
  simd: number;
  elem: ActType;
}

/** A FIFO of `depth` words on a stream (the skip path of a residual block). */
export interface FifoNode extends NodeBase {
  op: 'fifo';
  simd: number;
  elem: ActType;
  depth: number;
}

/**
 * Joins two streams of the same shape element by element and requantizes:
 * z = aMul*value(a) + bMul*value(b) (values: bipolar ±1, uint the code), then
 * a threshold stage per channel. aMul/bMul are small non-negative integers,
 * the ratio of the two inputs' steps (exact when that ratio is rational with
 * small terms; the lowering note says when it was rounded).
 */
export interface AddNode extends NodeBase {
  op: 'add';
  simd: number;
  a: ActType;
  b: ActType;
  aMul: number;
  bMul: number;
  /** Exact range of z and the signed width that holds it. */
  zRange: [number, number];
  zWidth: number;
  output: ThresholdStage;
}

export type HwNode = MvuNode | SwuNode | MaxPoolNode | VvuNode | SumPoolNode | ForkNode | FifoNode | AddNode;

export interface HardwareIR {
  format: 'qtsc-hardware-ir';
  version: 2;
  /** Top-level module name. */
  top: string;
  /** The accelerator's input stream, and the real value of one of its codes: x = code * scale. */
  input: { tensor: string; scale: number };
  /** Every stream of the design, the input included. */
  tensors: Record<string, TensorInfo>;
  nodes: HwNode[];
  /** The tensor the accelerator emits (the logits of the last MVU). */
  output: string;
}

/** Elements of a tensor of this shape. */
export function shapeSize(s: Shape): number {
  return s[0] * s[1] * s[2];
}

/** Element type of the design's input stream. */
export function inputElem(ir: HardwareIR): ActType {
  const t = ir.tensors[ir.input.tensor];
  if (!t || t.elem.kind === 'sint') throw new Error(`design input '${ir.input.tensor}' is not an activation tensor`);
  return t.elem;
}

/** Elements of one input frame. */
export function inputLength(ir: HardwareIR): number {
  return shapeSize(ir.tensors[ir.input.tensor].shape);
}

/** The MVU nodes of a design, in order. */
export function mvuNodes(ir: HardwareIR): MvuNode[] {
  return ir.nodes.filter((n): n is MvuNode => n.op === 'mvu');
}

/** The node that writes the design's output (an MVU ending in logits). */
export function outputNode(ir: HardwareIR): MvuNode {
  const n = ir.nodes.find((m) => m.outputs.includes(ir.output));
  if (!n || n.op !== 'mvu' || n.output.kind !== 'logits') throw new Error(`design output '${ir.output}' must be written by an MVU with a logit stage`);
  return n;
}

/** The node that reads a tensor, if any. */
export function consumerOf(ir: HardwareIR, tensor: string): HwNode | undefined {
  return ir.nodes.find((n) => n.inputs.includes(tensor));
}

/** Output size of a window over [ih, iw]. */
export function windowOutput(w: Window, ih: number, iw: number): { oh: number; ow: number } {
  return {
    oh: Math.floor((ih + w.pad[0] + w.pad[2] - w.kernel[0]) / w.stride[0]) + 1,
    ow: Math.floor((iw + w.pad[1] + w.pad[3] - w.kernel[1]) / w.stride[1]) + 1,
  };
}

/** Bits of one element of a tensor. */
export function elemBits(t: ElemType): number {
  return t.kind === 'bipolar' ? 1 : t.bits;
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
