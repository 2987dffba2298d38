/**
 * RTL plan: everything the templates print, computed from a HardwareIR in one
 * place (names, widths, parameters, ROM images), after checking that the IR
 * is one this backend can build. Pure: no files are touched here.
 *
 * ROM images (one hex word per line, word 0 first):
 *   weights      word nf*SF + sf holds PE*SIMD codes; code of channel nf*PE+p,
 *                input sf*SIMD+s at bits [(p*SIMD + s)*WB +: WB].
 *   thresholds   word nf: channel p's thresholds at [(p*count + j)*CW +: CW],
 *                prepared for qtsc_thresholds (clamped; -T+1 and the invert
 *                flag when negate), then invert flags at bit PE*count*CW + p;
 *                with count >= bsearchMinCount the search table of
 *                qtsc_thresholds_bsearch instead (see bsearchTable).
 *   logits       word nf: offset of channel nf*PE+p at [p*LW +: LW].
 */
import {
  type EngineKind,
  type HardwareIR,
  type HwNode,
  type MaxPoolNode,
  type MvuNode,
  type SumPoolNode,
  type SwuNode,
  type ThresholdStage,
  type BorderClasses,
  actBits,
  clog2,
  elemBits,
  outputElementBits,
  weightBits,
  windowOutput,
} from '../../ir/hardware-ir.js';
import { checkGraph, elemName } from '../../ir/check-graph.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { swuBufferWords } from './swu-geometry.js';
import { windowGeometry } from '../../golden/sliding-window.js';
import { type VvuPlan, planVvu } from './vvu-plan.js';
import { type AddPlan, type FifoPlan, type ForkPlan, planAdd, planFifo, planFork } from './residual-plan.js';
import { streamFormat } from '../../golden/stream-format.js';
import { QtscError } from '../../util/errors.js';
import { type RomColumns, hexRomColumnStats } from '../estimates/rom-cost.js';
import { type RomPlacement, type RomStyle, type RomStyleChoice, nodeRomStyle, placeRom, romAttribute, romStyles } from './rom-placement.js';

/** Engine codes of qtsc_dot_acc's Engine parameter. */
export const engineCode: Record<EngineKind, number> = {
  'xnor-popcount': 0,
  'sign-add': 1,
  'shift-add': 2,
  'int-mac': 3,
};

export interface RomImage {
  /** Bare file name inside rtlDir. */
  file: string;
  width: number;
  depth: number;
  addrWidth: number;
  /** One hex string per word, ceil(width/4) digits. */
  words: string[];
  /** Bit columns that vary over the words (the others are constants to synthesis), and how many of those differ. */
  columns: RomColumns;
  /** What was asked for it (PlanOptions.romStyle; 'auto' the cost rule), and where it goes (src/backends/rtl/rom-placement.ts). */
  requested: RomStyle;
  placement: RomPlacement;
  /** The synthesis attribute printed before its declaration ('' for none). */
  attribute: string;
}

/** The image of a ROM of these words, placed as `style` asks (rom-placement.ts). */
export function romImage(file: string, width: number, words: string[], style: RomStyle, read: 'sync' | 'async' = 'sync'): RomImage {
  const depth = words.length;
  const columns = hexRomColumnStats(words, width);
  const placement = placeRom(depth, columns, style, read);
  return { file, width, depth, addrWidth: addrWidth(depth), words, columns, requested: style, placement, attribute: romAttribute(placement) };
}

export interface NodePlan {
  index: number;
  /** IR node name, for comments. */
  name: string;
  source: string;
  engine: EngineKind;
  /** Verilog module name of the node wrapper (also its file name without .v). */
  module: string;
  /** Instance name inside the top. */
  inst: string;
  mw: number;
  mh: number;
  pe: number;
  simd: number;
  sf: number;
  nf: number;
  inBits: number;
  inBipolar: number;
  inWidth: number;
  weightBits: number;
  pow2Levels: number;
  pow2HasZero: number;
  accWidth: number;
  accSigned: number;
  /** qtsc_mvu OutKind: 0 thresholds (parallel), 1 logits, 2 raw accumulators (binary search follows). */
  outKind: number;
  /** Thresholds by pipelined binary search (qtsc_thresholds_bsearch), reading tableRoms. */
  bsearch: boolean;
  /** One search table per channel slot p of the PE (bsearch only; else empty). */
  tableRoms: RomImage[];
  /** Search steps (bits of the output element) when bsearch. */
  bsLevels: number;
  /** Bits of the MVU's output word (= outWidth, or Pe*accWidth before a binary search). */
  mvuOutWidth: number;
  thrCount: number;
  cmpWidth: number;
  outBits: number;
  logitShift: number;
  logitWidth: number;
  /** Bits of one output element and of one output word. */
  outElemBits: number;
  outWidth: number;
  paramWidth: number;
  weightRom: RomImage;
  paramRom: RomImage;
  /** Border classes: the output-stage ROM holds one table per class, addressed by qtsc_border_class. */
  borders: BorderPlan | null;
  /** Module computing the dot products: qtsc_dot_acc or a generated engine. */
  engineModule: string;
  /** Generated engine files (without .v) in compile order; empty for qtsc_dot_acc. */
  engineFiles: string[];
  /** Register levels in the generated trees (PlanOptions.pipeline; 0 for qtsc_dot_acc). */
  enginePipe: number;
  /** The weight ROM's read goes through a second (output) register (PlanOptions.romOutputReg). */
  weightReg: boolean;
}

/** A sliding-window or max-pool node: a wrapper around qtsc_swu (and qtsc_pool). */
export interface WindowPlan {
  kind: 'swu' | 'maxpool' | 'sumpool';
  /** Pool mode of qtsc_pool (0 max, 1 sum, 2 sum times border factors); unused for 'swu'. */
  poolMode: number;
  /** Mode 2: bits of one factor and the per-row / per-column factor tables as Verilog literals (entry 0 lowest). */
  factorBits: number;
  rowFactors: string;
  colFactors: string;
  /** Mode 2: the common divisor of every window's mean. */
  divisor: number;
  /** The window is the whole map (global pooling): the pixel stream is already in tap order, no qtsc_swu. */
  direct: boolean;
  index: number;
  name: string;
  source: string;
  module: string;
  inst: string;
  ih: number;
  iw: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  oh: number;
  ow: number;
  simd: number;
  elemBits: number;
  padCode: number;
  inWidth: number;
  outWidth: number;
  outElemBits: number;
  /** Elements per output word. */
  outElems: number;
  cycles: number;
  /** Words of the line buffer (see qtsc_swu.sv). */
  bufferWords: number;
}

/** One unit of the chain the top instantiates, in stream order. */
export type StagePlan = ({ kind: 'mvu' } & NodePlan) | WindowPlan | VvuPlan | ForkPlan | FifoPlan | AddPlan;

export interface RtlPlan {
  top: string;
  /** s_axis_tdata / m_axis_tdata widths: whole bytes (src/golden/stream-format.ts). */
  inputWidth: number;
  outputWidth: number;
  /** The bits of those words that carry data; the rest is padding. */
  inputDataWidth: number;
  outputDataWidth: number;
  indexBits: number;
  /** qtsc_argmax_collect's Pipelined: a register after each comparator level (with pipeline >= 1). */
  collectorPipelined: boolean;
  classes: number;
  logitBits: number;
  /** The MVUs, in node order. */
  nodes: NodePlan[];
  /** Every node, in node order. */
  stages: StagePlan[];
  /** Every node reads what the one before it wrote (the chain top, templates/top.sv.hbs); else templates/top-graph.sv.hbs. */
  chain: boolean;
}

const verilogKeywords = new Set(
  (
    'always always_comb always_ff always_latch and assign automatic begin bit buf byte case casex casez cell ' +
    'cmos config const default defparam design disable do edge else end endcase endconfig endfunction ' +
    'endgenerate endmodule endprimitive endspecify endtable endtask enum event for force forever fork ' +
    'function generate genvar highz0 highz1 if ifnone import incdir include initial inout input instance ' +
    'int integer interface join large liblist library localparam logic longint macromodule medium module nand ' +
    'negedge nmos nor noshowcancelled not notif0 notif1 or output package parameter pmos posedge primitive ' +
    'pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat ' +
    'return rnmos rpmos rtran rtranif0 rtranif1 scalared shortint showcancelled signed small specify specparam ' +
    'static string strong0 strong1 struct supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 ' +
    'triand trior trireg type typedef union unsigned use uwire var vectored void wait wand weak0 weak1 while ' +
    'wire wor xnor xor'
  ).split(' '),
);

/** Lower-snake-case fragment of an identifier made from any string. */
export function identFragment(s: string): string {
  const t = s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return (t || 'node').slice(0, 32).replace(/_$/, '');
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Every problem that stops this backend, as readable lines. */
export function checkIrForRtl(ir: HardwareIR): string[] {
  const errs: string[] = [];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ir.top) || verilogKeywords.has(ir.top)) {
    errs.push(`top '${ir.top}' is not a legal Verilog module name`);
  }
  if (!Array.isArray(ir.nodes) || ir.nodes.length === 0) {
    errs.push('the design has no nodes');
    return errs;
  }
  errs.push(...checkGraph(ir));
  ir.nodes.forEach((n, i) => {
    const at = `node ${i} '${n.name}'`;
    const last = i === ir.nodes.length - 1;
    if (n.op !== 'mvu') {
      if (!['swu', 'maxpool', 'sumpool', 'vvu', 'fork', 'fifo', 'add'].includes(n.op)) errs.push(`${at}: op '${String((n as HwNode).op)}' has no RTL`);
      return;
    }
    for (const [k, v] of [
      ['mw', n.mw],
      ['mh', n.mh],
      ['pe', n.pe],
      ['simd', n.simd],
      ['accWidth', n.accWidth],
    ] as const) {
      if (!isInt(v, 1)) errs.push(`${at}: ${k} = ${v} must be a positive integer`);
    }
    if (isInt(n.mw, 1) && isInt(n.simd, 1) && n.mw % n.simd !== 0) errs.push(`${at}: simd ${n.simd} does not divide mw ${n.mw}`);
    if (isInt(n.mh, 1) && isInt(n.pe, 1) && n.mh % n.pe !== 0) errs.push(`${at}: pe ${n.pe} does not divide mh ${n.mh}`);
    const want: Record<EngineKind, string> = {
      'xnor-popcount': 'binary',
      'sign-add': 'binary',
      'shift-add': 'pow2',
      'int-mac': 'int',
    };
    if (!(n.engine in want)) errs.push(`${at}: unknown engine '${String(n.engine)}'`);
    else if (n.weights.kind !== want[n.engine]) errs.push(`${at}: engine ${n.engine} takes ${want[n.engine]} weights, not ${n.weights.kind}`);
    if (n.engine === 'xnor-popcount' && n.input.kind !== 'bipolar') errs.push(`${at}: xnor-popcount needs bipolar inputs`);
    if (n.weights.kind === 'pow2' && !isInt(n.weights.levels, 1)) errs.push(`${at}: pow2 levels must be >= 1`);
    if (n.weights.kind === 'int' && !isInt(n.weights.bits, 1)) errs.push(`${at}: int weight bits must be >= 1`);
    if (n.input.kind === 'uint' && !isInt(n.input.bits, 1)) errs.push(`${at}: input bits must be >= 1`);
    if (!Array.isArray(n.weightCodes) || n.weightCodes.length !== n.mh || n.weightCodes.some((r) => !Array.isArray(r) || r.length !== n.mw)) {
      errs.push(`${at}: weightCodes must be [mh=${n.mh}][mw=${n.mw}]`);
    } else if (n.weights.kind === 'binary' || n.weights.kind === 'pow2' || n.weights.kind === 'int') {
      const bad = badWeightCode(n);
      if (bad) errs.push(`${at}: ${bad}`);
    }
    if (Array.isArray(n.accRange) && isInt(n.accWidth, 1)) {
      const [lo, hi] = n.accRange;
      const [rlo, rhi] = n.engine === 'xnor-popcount' ? [0, 2 ** n.accWidth - 1] : [-(2 ** (n.accWidth - 1)), 2 ** (n.accWidth - 1) - 1];
      if (lo < rlo || hi > rhi) errs.push(`${at}: accRange [${lo}, ${hi}] does not fit accWidth ${n.accWidth}`);
      if (n.engine === 'xnor-popcount' && n.mw > rhi) errs.push(`${at}: accWidth ${n.accWidth} cannot hold a popcount of ${n.mw}`);
    }
    const out = n.output;
    if (out.kind === 'thresholds') {
      if (last) errs.push(`${at}: the last node must end in a logit stage`);
      if (!isInt(out.count, 1)) errs.push(`${at}: threshold count must be >= 1`);
      const cap = out.out.kind === 'bipolar' ? 1 : 2 ** out.out.bits - 1;
      if (isInt(out.count, 1) && out.count > cap) errs.push(`${at}: ${out.count} thresholds do not fit a ${elemName(out.out)} output`);
      if (!Array.isArray(out.thresholds) || out.thresholds.length !== n.mh || out.thresholds.some((r) => !Array.isArray(r) || r.length !== out.count || r.some((t) => !Number.isInteger(t)))) {
        errs.push(`${at}: thresholds must be [mh=${n.mh}][count=${out.count}] integers`);
      }
      if (!Array.isArray(out.negate) || out.negate.length !== n.mh) errs.push(`${at}: negate must have mh=${n.mh} entries`);
    } else if (out.kind === 'logits') {
      if (!last) errs.push(`${at}: only the last node may end in a logit stage`);
      if (!isInt(out.shift, 0)) errs.push(`${at}: logit shift must be a non-negative integer`);
      if (!isInt(out.logitWidth, 1)) errs.push(`${at}: logitWidth must be a positive integer`);
      if (!Array.isArray(out.offsets) || out.offsets.length !== n.mh || out.offsets.some((o) => !Number.isInteger(o))) {
        errs.push(`${at}: offsets must be mh=${n.mh} integers`);
      }
    } else {
      errs.push(`${at}: unknown output stage`);
    }
  });
  return [...new Set(errs)];
}

/** The first weight code that is not a valid code of the node's coding, described. */
function badWeightCode(n: MvuNode): string | null {
  const wb = weightBits(n.weights);
  const expBits = n.weights.kind === 'pow2' ? clog2(n.weights.levels) : 0;
  for (let c = 0; c < n.mh; c++) {
    for (let i = 0; i < n.mw; i++) {
      const code = n.weightCodes[c][i];
      if (!Number.isInteger(code) || code < 0 || code >= 2 ** wb) {
        return `weight code ${code} at [${c}][${i}] is not a ${wb}-bit code`;
      }
      if (n.weights.kind === 'pow2' && (code & ((1 << expBits) - 1)) >= n.weights.levels) {
        return `pow2 weight code ${code} at [${c}][${i}] has exponent ${code & ((1 << expBits) - 1)} >= levels ${n.weights.levels}`;
      }
    }
  }
  return null;
}

/** All ones in the low `bits` bits. */
export function mask(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** A ROM word as $readmemh reads it: ceil(width/4) hex digits. */
export function hexWord(v: bigint, width: number): string {
  return v.toString(16).padStart(Math.max(1, Math.ceil(width / 4)), '0');
}

/** Address bits of a ROM of `depth` words (at least 1). */
export function addrWidth(depth: number): number {
  return Math.max(1, clog2(depth));
}

function weightRom(n: MvuNode, file: string, style: RomStyle): RomImage {
  const wb = weightBits(n.weights);
  const sf = n.mw / n.simd;
  const nf = n.mh / n.pe;
  const m = mask(wb);
  const width = n.pe * n.simd * wb;
  const words: string[] = [];
  for (let f = 0; f < nf; f++) {
    for (let s = 0; s < sf; s++) {
      let v = 0n;
      for (let p = 0; p < n.pe; p++) {
        const row = n.weightCodes[f * n.pe + p];
        for (let k = 0; k < n.simd; k++) {
          v |= (BigInt(row[s * n.simd + k]) & m) << BigInt((p * n.simd + k) * wb);
        }
      }
      words.push(hexWord(v, width));
    }
  }
  return romImage(file, width, words, style);
}

/**
 * What the threshold helpers need of a node: its accumulator width, and its engine
 * (only xnor-popcount has an unsigned accumulator; a node without an engine, a VVU,
 * is signed).
 */
export type AccShape = Pick<MvuNode, 'accWidth'> & { engine?: EngineKind };

/** Representable accumulator range [lo, hi] of a node's accWidth. */
export function accRepresentable(n: AccShape): [number, number] {
  return n.engine === 'xnor-popcount' ? [0, 2 ** n.accWidth - 1] : [-(2 ** (n.accWidth - 1)), 2 ** (n.accWidth - 1) - 1];
}

/** Compare width of qtsc_thresholds for a node. */
export function cmpWidthOf(n: AccShape): number {
  return n.accWidth + (n.engine === 'xnor-popcount' ? 2 : 1);
}

/**
 * One threshold as qtsc_thresholds stores it: [e >= T] with e = negate ? -acc : acc
 * becomes [acc >= T'] xor invert, T' clamped to the representable [lo, hi + 1].
 */
export function preparedThreshold(n: AccShape, t: number, negate: boolean): { value: number; invert: boolean } {
  const [lo, hi] = accRepresentable(n);
  const raw = negate ? -t + 1 : t;
  return { value: Math.min(hi + 1, Math.max(lo, raw)), invert: negate };
}

/**
 * Thresholds from this many per channel on are found by a pipelined binary search
 * (Levels comparators per channel) instead of Count comparators and an adder.
 */
export const bsearchMinCount = 7;

/**
 * Tables of qtsc_thresholds_bsearch, one per channel slot p of the PE (one
 * .mem file each, so that every search stage reads a narrow memory): the
 * prepared thresholds of channel nf*PE+p sorted ascending (the count of
 * thresholds <= acc does not depend on their order) and padded with never-true
 * values to 2**L - 1; word Nf*(2**k - 1) + nf*2**k + q holds the threshold
 * stage k compares with after deciding the top k bits q, with the channel's
 * invert flag above it.
 */
function bsearchTables(n: MvuNode, levels: number, fileOf: (p: number) => string, style: RomStyle): RomImage[] {
  const out = n.output;
  if (out.kind !== 'thresholds') throw new Error('bsearchTables: not a threshold stage');
  const nf = n.mh / n.pe;
  const cw = cmpWidthOf(n);
  const [, hi] = accRepresentable(n);
  const size = 2 ** levels - 1;
  const depth = nf * size;
  const tables: RomImage[] = [];
  for (let p = 0; p < n.pe; p++) {
    const words = new Array<string>(depth);
    for (let f = 0; f < nf; f++) {
      const c = f * n.pe + p;
      const u = out.thresholds[c].map((t) => preparedThreshold(n, t, out.negate[c]).value).sort((a, b) => a - b);
      while (u.length < size) u.push(hi + 1);
      const inv = out.negate[c] ? 1n : 0n;
      for (let k = 0; k < levels; k++) {
        const l = levels - 1 - k;
        for (let q = 0; q < 2 ** k; q++) {
          const t = u[q * 2 ** (l + 1) + 2 ** l - 1];
          words[nf * (2 ** k - 1) + f * 2 ** k + q] = hexWord((BigInt(t) & mask(cw)) | (inv << BigInt(cw)), cw + 1);
        }
      }
    }
    // Asynchronous reads: logic whatever `style` asks (rom-placement.ts); kept for the report.
    tables.push(romImage(fileOf(p), cw + 1, words, style, 'async'));
  }
  return tables;
}

/**
 * Threshold ROM of qtsc_thresholds with `pe` channels per word: word f holds
 * channels f*pe + p, thresholds prepared (preparedThreshold) at
 * [(p*count + j)*CW +: CW], invert flags at bit pe*count*CW + p.
 */
export function thresholdRom(n: AccShape, out: ThresholdStage, pe: number, file: string, style: RomStyle, borders?: BorderClasses): RomImage {
  const nf = out.thresholds.length / pe;
  const cw = cmpWidthOf(n);
  const width = pe * (out.count * cw + 1);
  const words: string[] = [];
  // With border classes, one table of nf words per class, class k at words k*nf.. (qtsc_border_class).
  for (const table of borders ? borders.thresholds : [out.thresholds]) {
    for (let f = 0; f < nf; f++) {
      let v = 0n;
      for (let p = 0; p < pe; p++) {
        const c = f * pe + p;
        for (let j = 0; j < out.count; j++) {
          const { value, invert } = preparedThreshold(n, table[c][j], out.negate[c]);
          v |= (BigInt(value) & mask(cw)) << BigInt((p * out.count + j) * cw);
          if (invert) v |= 1n << BigInt(pe * out.count * cw + p);
        }
      }
      words.push(hexWord(v, width));
    }
  }
  return romImage(file, width, words, style);
}

/** What the template needs to instantiate qtsc_border_class for a node with border classes. */
export interface BorderPlan {
  oh: number;
  ow: number;
  classes: number;
  /** Output-stage ROM words per class, and the last word's index (a pixel's last read). */
  nf: number;
  lastWord: number;
  /** Bits of the unit's own word index (p_addr), zero-extended to the ROM address. */
  wordBits: number;
  addrWidth: number;
  /** Verilog literals of the packed base tables (entry 0 in the low bits): rowClass*colClasses*nf and colClass*nf. */
  rowBase: string;
  colBase: string;
}

function packedTable(entries: number[], bits: number): string {
  let v = 0n;
  entries.forEach((e, k) => (v |= BigInt(e) << BigInt(k * bits)));
  return `${entries.length * bits}'h${v.toString(16)}`;
}

export function borderPlan(b: BorderClasses, nf: number, rom: RomImage): BorderPlan {
  const aw = rom.addrWidth;
  return {
    oh: b.rowClass.length,
    ow: b.colClass.length,
    classes: b.rowClasses * b.colClasses,
    nf,
    lastWord: nf - 1,
    wordBits: Math.max(1, clog2(nf)),
    addrWidth: aw,
    rowBase: packedTable(b.rowClass.map((r) => r * b.colClasses * nf), aw),
    colBase: packedTable(b.colClass.map((c) => c * nf), aw),
  };
}

function paramRom(n: MvuNode, file: string, style: RomStyle): RomImage {
  const nf = n.mh / n.pe;
  const out = n.output;
  if (out.kind === 'thresholds') return thresholdRom(n, out, n.pe, file, style, n.borders);
  const lw = out.logitWidth;
  const width = n.pe * lw;
  const words: string[] = [];
  for (let f = 0; f < nf; f++) {
    let v = 0n;
    for (let p = 0; p < n.pe; p++) v |= (BigInt(out.offsets[f * n.pe + p]) & mask(lw)) << BigInt(p * lw);
    words.push(hexWord(v, width));
  }
  return romImage(file, width, words, style);
}

export type DotTrees = 'none' | 'xnor' | 'all';

/** The compressor-tree choice when PlanOptions.dotTrees is not given. */
export const defaultDotTrees: DotTrees = 'all';

export interface PlanOptions {
  /**
   * Which nodes get a generated compressor-tree engine (src/backends/rtl/dot-tree.ts)
   * instead of the generic qtsc_dot_acc: 'all' (default) every node without a
   * multiplier (all but int-mac with unsigned inputs); 'xnor' xnor-popcount nodes
   * only; 'none' no node. The trees are smaller (docs/rtl.md), but Verilator 5.006
   * miscompiles some of the signed ones unless built with -fno-const-bit-op-tree
   * (its const-bit-op-tree pass drops an inversion in XOR trees of negated bits,
   * upstream issues #4059/#5186): src/drivers/verilator.ts passes the flag; a flow
   * of one's own on that Verilator must too, or use 'xnor' (the xnor trees are not
   * affected). Icarus and Yosys agree with the golden model either way.
   */
  dotTrees?: DotTrees;
  /** Threshold count from which the binary-search stage is used (default bsearchMinCount). */
  bsearchMinCount?: number;
  /**
   * Register levels inside every generated compressor tree (default defaultPipeline),
   * 0 to maxPipeline; the MVU delays its valid and last flags to match, so only the
   * latency grows (by this many cycles per vector), not the cycles per frame.
   */
  pipeline?: number;
  /**
   * A second register on every weight ROM's read (a block RAM's output register,
   * DOA_REG): the ROM's clock-to-out leaves the engine's path, for one more cycle of
   * latency per node (default true; qtsc_mvu WeightReg).
   */
  romOutputReg?: boolean;
  /**
   * Where the ROMs go (src/backends/rtl/rom-placement.ts): `all` for every ROM,
   * `nodes` by node name over it; 'auto' (default) block RAM or LUTs, whichever the
   * estimate finds cheaper. Every name must be a node of the design that has a ROM.
   */
  romStyle?: RomStyleChoice;
}

/** Register levels per generated tree when PlanOptions.pipeline is not given (BENCHMARKS.md "Timing per engine"). */
export const defaultPipeline = 2;
export const maxPipeline = 4;

export function planRtl(ir: HardwareIR, opts: PlanOptions = {}): RtlPlan {
  const errs = checkIrForRtl(ir);
  if (errs.length > 0) throw new QtscError(`RTL backend cannot build design '${ir.top}':\n  ${errs.join('\n  ')}`);
  const fmt = streamFormat(ir);
  const pipeline = opts.pipeline ?? defaultPipeline;
  if (!Number.isInteger(pipeline) || pipeline < 0 || pipeline > maxPipeline) {
    throw new QtscError(`RTL backend: pipeline must be an integer from 0 to ${maxPipeline} (register levels per compressor tree), got ${pipeline}`);
  }
  const romErrs = romStyleErrors(ir, opts.romStyle);
  if (romErrs.length > 0) throw new QtscError(`RTL backend, design '${ir.top}': ${romErrs.join('; ')}`);
  const stages = ir.nodes.map((n, index): StagePlan => planStage(ir, n, index, opts));
  return {
    top: ir.top,
    inputWidth: fmt.inputWordBits,
    outputWidth: fmt.outputWordBits,
    inputDataWidth: fmt.inputDataBits,
    outputDataWidth: fmt.outputDataBits,
    indexBits: fmt.indexBits,
    collectorPipelined: pipeline >= 1,
    classes: fmt.classes,
    logitBits: fmt.logitBits,
    nodes: stages.filter((st): st is { kind: 'mvu' } & NodePlan => st.kind === 'mvu'),
    stages,
    chain: ir.nodes.every((n, i) => n.op !== 'fifo' && n.inputs.length === 1 && n.outputs.length === 1 && n.inputs[0] === (i === 0 ? ir.input.tensor : ir.nodes[i - 1].outputs[0])),
  };
}

/** Bits of one input element of a stage, and its elements per input word. */
export function stageInput(st: StagePlan): { bits: number; elems: number } {
  switch (st.kind) {
    case 'mvu':
      return { bits: st.inBits, elems: st.simd };
    case 'vvu':
      return { bits: st.inBits, elems: st.simd };
    case 'add':
      return { bits: st.aBits, elems: st.simd };
    case 'fork':
    case 'fifo':
      return { bits: st.outElemBits, elems: st.simd };
    default:
      return { bits: st.elemBits, elems: st.simd };
  }
}

/** Elements per output word of a stage. */
export function stageOutputElems(st: StagePlan): number {
  return st.kind === 'mvu' ? st.pe : st.outElems;
}

/** Ops whose plan has a ROM that PlanOptions.romStyle places. */
const opsWithRoms = new Set<HwNode['op']>(['mvu', 'vvu', 'add']);

/** What is wrong with a PlanOptions.romStyle for this design: styles that are not ones, names of nodes it does not have or that have no ROM. */
export function romStyleErrors(ir: HardwareIR, choice: RomStyleChoice | undefined): string[] {
  if (!choice) return [];
  const errs: string[] = [];
  const known = (s: unknown) => (romStyles as readonly unknown[]).includes(s);
  if (choice.all !== undefined && !known(choice.all)) errs.push(`ROM style '${String(choice.all)}' is not one of ${romStyles.join(', ')}`);
  const withRoms = ir.nodes.filter((n) => opsWithRoms.has(n.op)).map((n) => n.name);
  for (const [name, style] of Object.entries(choice.nodes ?? {})) {
    const node = ir.nodes.find((n) => n.name === name);
    if (!node) errs.push(`ROM style for node '${name}': the design has no node of that name (nodes with ROMs: ${withRoms.join(', ') || 'none'})`);
    else if (!opsWithRoms.has(node.op)) errs.push(`ROM style for node '${name}': a ${node.op} node has no ROM (nodes with ROMs: ${withRoms.join(', ') || 'none'})`);
    if (!known(style)) errs.push(`ROM style '${String(style)}' for node '${name}' is not one of ${romStyles.join(', ')}`);
  }
  return errs;
}

/**
 * The plan of one node of a design planRtl has checked (or that differs from
 * one only in that node's folding): what the folding optimizer estimates per
 * candidate without planning the whole design again.
 */
export function planStage(ir: HardwareIR, n: HwNode, index: number, opts: PlanOptions = {}): StagePlan {
  if (n.op === 'mvu') return { kind: 'mvu', ...planMvu(ir, n, index, opts.dotTrees ?? defaultDotTrees, opts) };
  if (n.op === 'vvu') return planVvu(ir, n, index, opts);
  if (n.op === 'fork') return planFork(ir, n, index);
  if (n.op === 'fifo') return planFifo(ir, n, index);
  if (n.op === 'add') return planAdd(ir, n, index, opts);
  return planWindow(ir, n, index);
}

export function planWindow(ir: HardwareIR, n: SwuNode | MaxPoolNode | SumPoolNode, index: number): WindowPlan {
  const [ih, iw, c] = ir.tensors[n.inputs[0]].shape;
  const { oh, ow } = windowOutput(n.window, ih, iw);
  const eb = elemBits(n.elem);
  const ob = n.op === 'sumpool' ? elemBits(n.out) : eb;
  const scale = n.op === 'sumpool' ? n.borderScale : undefined;
  const factorBits = scale ? clog2(Math.max(...scale.rows, ...scale.cols) + 1) : 1;
  return {
    kind: n.op,
    poolMode: n.op === 'sumpool' ? (scale ? 2 : 1) : 0,
    factorBits,
    rowFactors: scale ? packedLiteral(scale.rows, factorBits) : '',
    colFactors: scale ? packedLiteral(scale.cols, factorBits) : '',
    divisor: scale ? scale.divisor : 0,
    direct: n.op !== 'swu' && n.window.kernel[0] === ih && n.window.kernel[1] === iw && n.window.pad.every((p) => p === 0),
    index,
    name: n.name,
    source: n.layers.join(' + '),
    module: `${ir.top}_n${index}_${identFragment(n.name)}`,
    inst: `u_n${index}`,
    ih,
    iw,
    c,
    kh: n.window.kernel[0],
    kw: n.window.kernel[1],
    sh: n.window.stride[0],
    sw: n.window.stride[1],
    padTop: n.window.pad[0],
    padLeft: n.window.pad[1],
    padBottom: n.window.pad[2],
    padRight: n.window.pad[3],
    oh,
    ow,
    simd: n.simd,
    elemBits: eb,
    padCode: n.op === 'swu' ? n.padCode : 0,
    inWidth: n.simd * eb,
    outWidth: n.simd * ob,
    outElemBits: ob,
    outElems: n.simd,
    cycles: nodeCycles(ir, n),
    bufferWords: swuBufferWords(windowGeometry(n.window, [ih, iw, c]), n.simd),
  };
}

function planMvu(ir: HardwareIR, n: MvuNode, index: number, treeMode: DotTrees, opts: PlanOptions): NodePlan {
  {
    const module = `${ir.top}_n${index}_${identFragment(n.name)}`;
    const out = n.output;
    const wb = weightBits(n.weights);
    const pow2 = n.weights.kind === 'pow2' ? n.weights : null;
    const tree =
      treeMode === 'all' ? n.engine !== 'int-mac' || n.input.kind === 'bipolar' : treeMode === 'xnor' && n.engine === 'xnor-popcount';
    const thr = out.kind === 'thresholds' ? out : null;
    const lg = out.kind === 'logits' ? out : null;
    // The search tables have no border classes: a node with them keeps the parallel comparators.
    const bsearch = thr !== null && !n.borders && thr.count >= (opts.bsearchMinCount ?? bsearchMinCount);
    const romStyle = nodeRomStyle(opts.romStyle, n.name);
    const pRom = paramRom(n, `${module}_${thr ? 'thresholds' : 'offsets'}.mem`, romStyle);
    const bsLevels = thr ? actBits(thr.out) : 1;
    return {
      index,
      name: n.name,
      source: n.layers.join(' + '),
      engine: n.engine,
      module,
      inst: `u_n${index}`,
      mw: n.mw,
      mh: n.mh,
      pe: n.pe,
      simd: n.simd,
      sf: n.mw / n.simd,
      nf: n.mh / n.pe,
      inBits: actBits(n.input),
      inBipolar: n.input.kind === 'bipolar' ? 1 : 0,
      inWidth: n.simd * actBits(n.input),
      weightBits: wb,
      pow2Levels: pow2 ? pow2.levels : 1,
      pow2HasZero: pow2 && pow2.hasZero ? 1 : 0,
      accWidth: n.accWidth,
      accSigned: n.engine === 'xnor-popcount' ? 0 : 1,
      outKind: thr ? (bsearch ? 2 : 0) : 1,
      bsearch,
      bsLevels,
      mvuOutWidth: bsearch ? n.pe * n.accWidth : n.pe * outputElementBits(n),
      thrCount: thr ? thr.count : 1,
      cmpWidth: cmpWidthOf(n),
      outBits: thr ? actBits(thr.out) : 1,
      logitShift: lg ? lg.shift : 0,
      logitWidth: lg ? lg.logitWidth : 1,
      outElemBits: outputElementBits(n),
      outWidth: n.pe * outputElementBits(n),
      paramWidth: bsearch ? 1 : thr ? n.pe * (thr.count * cmpWidthOf(n) + 1) : n.pe * (lg as { logitWidth: number }).logitWidth,
      weightRom: weightRom(n, `${module}_weights.mem`, romStyle),
      paramRom: pRom,
      borders: n.borders ? borderPlan(n.borders, n.mh / n.pe, pRom) : null,
      tableRoms: bsearch ? bsearchTables(n, bsLevels, (p) => `${module}_search_p${p}.mem`, romStyle) : [],
      engineModule: tree ? `${module}_dot_acc` : 'qtsc_dot_acc',
      enginePipe: tree ? (opts.pipeline ?? defaultPipeline) : 0,
      weightReg: opts.romOutputReg ?? true,
      engineFiles: tree
        ? [...(n.engine === 'sign-add' && n.input.kind === 'uint' ? [`${module}_dot_xsum`] : []), `${module}_dot_tree`, `${module}_dot_acc`]
        : [],
    };
  }
}

/** values[i] at bits [i*bits +: bits] of one Verilog literal (a constant table parameter). */
function packedLiteral(values: number[], bits: number): string {
  let v = 0n;
  values.forEach((x, i) => {
    v |= BigInt(x) << BigInt(i * bits);
  });
  return `${values.length * bits}'h${hexWord(v, values.length * bits)}`;
}
