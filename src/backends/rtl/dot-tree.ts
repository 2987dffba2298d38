/**
 * Generated dot-product engines: compressor trees shaped for 6-input LUTs.
 *
 * Yosys turns a sum of lane terms written as a loop (or as a tree of `+`) into
 * one big $macc and then into 3:2 full adders: for xnor-popcount about 2.6 LUTs
 * per lane at SIMD 64 under synth_xilinx. This generator builds the bit heap
 * itself, for every engine without a multiplier:
 *
 *   xnor-popcount      lane bit xnor(x, w) at column 0
 *   sign-add, bipolar  2*xnor(x, w) - 1: xnor at column 1, constant -1
 *   sign-add, uint     sum_s (w ? a : -a) = 2 * sum_s (w & a) - sum_s a: the lane bits
 *                      w & a_i at column i+1, and -A for the input sum A, which
 *                      depends on x only: `<node>_dot_xsum` computes it once per input
 *                      word as the word enters the MVU (qtsc_mvu's side word), in
 *                      carry-save form A = A0 + A1 (no adder on the way in), and every
 *                      channel's tree takes ~A0 + ~A1 + 2 from a register (xsum_i)
 *   shift-add          m = zero ? 0 : mag << (K-1-e), t = m ^ {n{neg}} signed, c = neg,
 *                      neg = sign xor (input negative), 0 when zero
 *   int-mac, bipolar   x ? w : -w = (w ^ {~x}) + ~x, w two's complement
 *
 * A signed lane value t of n bits goes into the heap as its low n-1 bits, the
 * inverted sign bit at column n-1, and the constant -2^(n-1) (since
 * -s*2^(n-1) = (1-s)*2^(n-1) - 2^(n-1)); the constants of all lanes are summed
 * at generation time and left out of the heap: the accumulator starts at
 * (words per vector) * (constant per word) instead of 0, which costs nothing (the
 * flip-flops' synchronous reset sets those bits) and keeps constants out of the
 * logic (Verilator 5.006 at -O3 miscompiled a heap with constant bits: its
 * V3Gate/V3Expand passes, see docs/rtl.md). Then:
 *
 *   1. lane bits that are functions of at most 2 inputs are grouped three per
 *      column into full adders: each output a function of <= 6 inputs, one LUT6;
 *   2. the accumulator joins the heap as one more row (it is cleared after the
 *      last word by the flip-flops' synchronous reset, so it needs no gate);
 *   3. Wallace stages of column counters of up to 6 bits (a 6:3 counter is 3
 *      LUT6, one per output bit), until every column holds at most 2 bits;
 *   4. one carry-chain adder of the 2 rows.
 *
 * Everything is modulo 2**AccWidth (the accumulator never exceeds it, so wraps
 * of partial sums cancel), so nothing at or above column AccWidth is built.
 * All expressions use only ~ ^ & | on input bits: abc collapses each counter
 * output, a function of at most 6 heap bits, into one LUT.
 *
 * Files: `<node>_dot_tree.sv` (one channel, combinational: sum = acc + the lane
 * terms, mod 2**AccWidth) and `<node>_dot_acc.sv` (Pe trees with their
 * accumulator and result registers: the ports and timing of qtsc_dot_acc).
 */
import { clog2 } from '../../ir/hardware-ir.js';
import type { NodePlan } from './plan.js';
import { generatedHeader } from './templates.js';

export class Netlist {
  /** Every signal as an assign; a registered one's is its value one advance earlier. */
  readonly assigns: string[] = [];
  /** Signals that are flip-flops (their assign gives the D input). */
  readonly registered = new Set<string>();
  private n = 0;
  wire(expr: string): string {
    const name = `t${this.n++}`;
    this.assigns.push(`  assign ${name} = ${expr};`);
    return name;
  }
  /** A register of `expr`, loaded when the pipeline advances. */
  reg(expr: string): string {
    const name = this.wire(expr);
    this.registered.add(name);
    return name;
  }
  get count(): number {
    return this.n;
  }
}

/**
 * Popcount of a few bits as a small gate network; returns its bits LSB first,
 * at most `maxOut` of them (higher bits are dropped: modulo arithmetic).
 */
function counter(net: Netlist, bits: string[], maxOut: number): string[] {
  let cols: string[][] = [bits.slice()];
  const out: string[] = [];
  for (let j = 0; j < maxOut && cols.length > 0; j++) {
    let col = cols[0] ?? [];
    const rest = cols.slice(1);
    const carries: string[] = [];
    while (col.length > 1) {
      const next: string[] = [];
      let i = 0;
      for (; i + 3 <= col.length; i += 3) {
        const [a, b, c] = col.slice(i, i + 3);
        next.push(net.wire(`${a} ^ ${b} ^ ${c}`));
        if (j + 1 < maxOut) carries.push(net.wire(`(${a} & ${b}) | (${a} & ${c}) | (${b} & ${c})`));
      }
      if (col.length - i === 2) {
        const [a, b] = col.slice(i);
        next.push(net.wire(`${a} ^ ${b}`));
        if (j + 1 < maxOut) carries.push(net.wire(`${a} & ${b}`));
      } else if (col.length - i === 1) {
        next.push(col[i]);
      }
      col = next;
    }
    out.push(col[0] ?? "1'b0");
    if (rest.length === 0 && carries.length === 0) break;
    cols = [[...(rest[0] ?? []), ...carries], ...rest.slice(1)];
  }
  return out;
}

/** One bit of a lane's contribution to the heap. */
interface LaneBit {
  col: number;
  expr: string;
  /** A function of at most 2 input bits (can share a LUT6 with two more lanes). */
  simple: boolean;
}

/** What the generated tree computes, per lane. */
export type TreeEngine =
  | { kind: 'xnor' }
  /** The plain sum of the unsigned input elements (the shared -A of sign-add). */
  | { kind: 'usum'; inBits: number }
  | { kind: 'sign-add'; inBits: number; bipolar: boolean }
  | { kind: 'shift-add'; inBits: number; bipolar: boolean; levels: number; hasZero: boolean }
  | { kind: 'int-bipolar'; weightBits: number };

export interface TreeShape {
  simd: number;
  accWidth: number;
  engine: TreeEngine;
  /**
   * Register levels inside the tree (default 0: combinational). The accumulator row
   * joins after the last level, where the lane heap is down to <= 5 bits per column,
   * so one more counter stage and the 2-row adder close the accumulation loop; the
   * other levels cut the lane stages evenly. Not for 'usum'.
   */
  pipeline?: number;
}

/** sign-add with unsigned inputs takes the shared input sum A on xsum_i. */
export function treeTakesXsum(e: TreeEngine): boolean {
  return e.kind === 'sign-add' && !e.bipolar;
}

/** Bits of one weight code for the engine. */
export function treeWeightBits(e: TreeEngine): number {
  switch (e.kind) {
    case 'xnor':
    case 'sign-add':
      return 1;
    case 'usum':
      return 0;
    case 'shift-add':
      return clog2(e.levels) + 1 + (e.hasZero ? 1 : 0);
    case 'int-bipolar':
      return e.weightBits;
  }
}

/** Bits of one input element for the engine. */
export function treeInBits(e: TreeEngine): number {
  if (e.kind === 'usum') return e.inBits;
  return e.kind === 'sign-add' || e.kind === 'shift-add' ? (e.bipolar ? 1 : e.inBits) : 1;
}

/** Heap bits and the constant of lane s. */
function laneTerms(e: TreeEngine, s: number): { bits: LaneBit[]; constant: bigint } {
  const ib = treeInBits(e);
  const wb = treeWeightBits(e);
  const x = (i: number) => `x_i[${s * ib + i}]`;
  const w = (i: number) => `w_i[${s * wb + i}]`;
  /** A signed n-bit lane value t (bits LSB first) plus a correction bit. */
  const signed = (t: Array<{ expr: string; simple: boolean }>, corr: { expr: string; simple: boolean } | null) => {
    const n = t.length;
    const bits: LaneBit[] = t.slice(0, n - 1).map((b, i) => ({ col: i, ...b }));
    bits.push({ col: n - 1, expr: `~(${t[n - 1].expr})`, simple: t[n - 1].simple });
    if (corr) bits.push({ col: 0, ...corr });
    return { bits, constant: -(1n << BigInt(n - 1)) };
  };
  switch (e.kind) {
    case 'xnor':
      return { bits: [{ col: 0, expr: `~(${x(0)} ^ ${w(0)})`, simple: true }], constant: 0n };
    case 'usum':
      return { bits: Array.from({ length: e.inBits }, (_, i) => ({ col: i, expr: x(i), simple: true })), constant: 0n };
    case 'sign-add': {
      if (e.bipolar) return { bits: [{ col: 1, expr: `~(${x(0)} ^ ${w(0)})`, simple: true }], constant: -1n };
      // 2*(w & a); the -A row is added once per tree (see buildTree).
      return { bits: Array.from({ length: e.inBits }, (_, i) => ({ col: i + 1, expr: `${w(0)} & ${x(i)}`, simple: true })), constant: 0n };
    }
    case 'int-bipolar': {
      const t = Array.from({ length: e.weightBits }, (_, i) => ({ expr: `~(${w(i)} ^ ${x(0)})`, simple: true }));
      return signed(t, { expr: `~${x(0)}`, simple: true });
    }
    case 'shift-add': {
      const eb = clog2(e.levels);
      const mag = e.bipolar ? 1 : e.inBits;
      // exponent == k as a product of literals
      const expIs = (k: number) => {
        const lits = Array.from({ length: eb }, (_, i) => ((k >> i) & 1 ? w(i) : `~${w(i)}`));
        return lits.length > 0 ? lits.join(' & ') : "1'b1";
      };
      const notZero = e.hasZero ? `~${w(eb + 1)}` : null;
      const negA = e.bipolar ? `~${x(0)}` : null;
      const neg = [negA ? `(${w(eb)} ^ ${negA})` : w(eb), ...(notZero ? [notZero] : [])].join(' & ');
      const n = mag + e.levels; // magnitude < 2^(mag + levels - 1), one more bit for the sign
      const t: Array<{ expr: string; simple: boolean }> = [];
      for (let c = 0; c < n - 1; c++) {
        const terms: string[] = [];
        for (let k = 0; k < e.levels; k++) {
          const j = c - (e.levels - 1 - k); // input bit landing at column c for exponent k
          if (j < 0 || j >= mag) continue;
          const a = e.bipolar ? "1'b1" : x(j);
          terms.push(`(${expIs(k)} & ${a})`);
        }
        const m = terms.length === 0 ? "1'b0" : `(${terms.join(' | ')})${notZero ? ` & ${notZero}` : ''}`;
        t.push({ expr: `(${m}) ^ (${neg})`, simple: false });
      }
      t.push({ expr: neg, simple: false });
      return signed(t, { expr: neg, simple: false });
    }
  }
}

/**
 * The constant part of one word's terms, mod 2**accWidth, that the tree leaves
 * out: the lanes' constants, plus the +1 of -A = ~A + 1 for sign-add with
 * unsigned inputs. The accumulator starts at (words per vector) * this.
 */
export function treeConstant(shape: TreeShape): bigint {
  const { simd, accWidth: aw, engine } = shape;
  let constant = treeTakesXsum(engine) ? 2n : 0n;
  for (let s = 0; s < simd; s++) constant += laneTerms(engine, s).constant;
  const m = 1n << BigInt(aw);
  return ((constant % m) + m) % m;
}

/** Body of the one-channel tree: assigns, and the two final rows. */
export function buildTree(shape: TreeShape): { net: Netlist; rowA: string[]; rowB: string[]; stages: number; constant: bigint } {
  const pipeline = shape.engine.kind === 'usum' ? 0 : (shape.pipeline ?? 0);
  if (pipeline === 0) return { ...heap(shape, null), constant: treeConstant(shape) };
  // Where the lane heap is down to <= 2 bits per column: after `laneStages` stages.
  const laneStages = heap(shape, { cutsAfter: [], dryRun: true }).stages;
  // `pipeline` cuts evenly over those stages, the last one after all of them.
  const cutsAfter = Array.from({ length: pipeline }, (_, i) => Math.round((laneStages * (i + 1)) / pipeline));
  return { ...heap(shape, { cutsAfter, dryRun: false }), constant: treeConstant(shape) };
}

/**
 * The compressor heap. Without `cuts` the accumulator is a row from the start and
 * the heap is reduced to 2 rows. With them the lane heap is reduced to 2 rows,
 * registered after each stage count in cutsAfter (0: before any stage), and then the
 * accumulator row joins (a dry run stops before that, to count the stages): after
 * the last register, one level of full adders and the carry-chain adder, so the
 * accumulator's loop is as short as it can be.
 */
function heap(shape: TreeShape, cuts: { cutsAfter: number[]; dryRun: boolean } | null): { net: Netlist; rowA: string[]; rowB: string[]; stages: number } {
  const { simd, accWidth: aw, engine } = shape;
  const net = new Netlist();
  let cols: string[][] = Array.from({ length: aw }, () => []);
  const simple: string[][] = Array.from({ length: aw }, () => []);
  for (let s = 0; s < simd; s++) {
    const { bits } = laneTerms(engine, s);
    for (const b of bits) {
      if (b.col >= aw) continue;
      if (b.simple) simple[b.col].push(`(${b.expr})`);
      else cols[b.col].push(net.wire(b.expr));
    }
  }
  // 1. simple lane bits, three per column into a full adder (one LUT6 per output).
  simple.forEach((bits, j) => {
    for (let g = 0; g < bits.length; g += 3) {
      const group = bits.slice(g, g + 3);
      if (group.length < 3) {
        for (const b of group) cols[j].push(net.wire(b));
        continue;
      }
      counter(net, group, aw - j).forEach((b, t) => cols[j + t].push(b));
    }
  });
  // 2. the accumulator row (not in the shared input sum) and -A = ~A + 1 for sign-add
  //    with unsigned inputs. The constant is not built: the caller starts the
  //    accumulator at (words per vector) * treeConstant instead (see dotAccVerilog).
  const accRow = () => {
    for (let j = 0; j < aw; j++) cols[j].push(`acc_i[${j}]`);
  };
  for (let j = 0; j < aw; j++) {
    if (engine.kind !== 'usum' && cuts === null) cols[j].push(`acc_i[${j}]`);
    // -A = ~A0 + ~A1 + 2 for A in carry-save form (the two rows of the input-sum tree)
    if (treeTakesXsum(engine)) cols[j].push(net.wire(`~xsum_i[${j}]`), net.wire(`~xsum_i[${aw + j}]`));
  }
  // 3. Wallace stages of <= 6-bit counters.
  let stages = 0;
  const stage = () => {
    stages++;
    const next: string[][] = Array.from({ length: aw }, () => []);
    cols.forEach((col, j) => {
      let i = 0;
      const take = (n: number) => {
        counter(net, col.slice(i, i + n), aw - j).forEach((b, t) => next[j + t].push(b));
        i += n;
      };
      while (col.length - i >= 6) take(6);
      // A leftover of 3..5 bits is worth a counter (it removes 1..2 bits).
      if (col.length - i >= 3) take(col.length - i);
      for (; i < col.length; i++) next[j].push(col[i]);
    });
    cols = next;
  };
  const register = () => {
    cols = cols.map((col) => col.map((b) => net.reg(b)));
  };
  if (cuts !== null) {
    const registerAt = (k: number) => cuts.cutsAfter.filter((c) => c === k).forEach(register);
    registerAt(0);
    while (cols.some((c) => c.length > 2)) {
      stage();
      registerAt(stages);
    }
    if (cuts.dryRun) return { net, rowA: [], rowB: [], stages };
    accRow();
    // Every column now holds at most 3 bits. One stage of full adders (3 bits) and half
    // adders (2 bits) leaves every column with its own sum and the carry from below: 2
    // rows, in one LUT level. (A plain stage would leave the 2-bit columns alone, and the
    // carries arriving into them would ripple up one column per stage.)
    if (cols.every((c) => c.length <= 3)) {
      stages++;
      const next: string[][] = Array.from({ length: aw }, () => []);
      cols.forEach((col, j) => {
        if (col.length >= 2) counter(net, col, aw - j).forEach((b, t) => next[j + t].push(b));
        else next[j].push(...col);
      });
      cols = next;
    }
  }
  while (cols.some((c) => c.length > 2)) stage();
  return { net, rowA: cols.map((c) => c[0] ?? "1'b0"), rowB: cols.map((c) => c[1] ?? "1'b0"), stages };
}

/** The tree engine of a node, or null when it has none (int-mac with uint inputs multiplies). */
export function treeEngineOf(n: NodePlan): TreeEngine | null {
  switch (n.engine) {
    case 'xnor-popcount':
      return { kind: 'xnor' };
    case 'sign-add':
      return { kind: 'sign-add', inBits: n.inBits, bipolar: n.inBipolar === 1 };
    case 'shift-add':
      return { kind: 'shift-add', inBits: n.inBits, bipolar: n.inBipolar === 1, levels: n.pow2Levels, hasZero: n.pow2HasZero === 1 };
    case 'int-mac':
      return n.inBipolar === 1 ? { kind: 'int-bipolar', weightBits: n.weightBits } : null;
  }
}

function concatMsbFirst(bits: string[]): string {
  return `{${bits.slice().reverse().join(', ')}}`;
}

export function dotTreeModule(n: NodePlan): string {
  return `${n.module}_dot_tree`;
}

export function dotXsumModule(n: NodePlan): string {
  return `${n.module}_dot_xsum`;
}

function treeModuleText(name: string, purpose: string, engine: TreeEngine, simd: number, aw: number, pipeline = 0, carrySave = false): string {
  const { net, rowA, rowB, stages } = buildTree({ simd, accWidth: aw, engine, pipeline });
  const regs = net.registered.size > 0;
  const xw = simd * treeInBits(engine);
  const ww = simd * treeWeightBits(engine);
  const decl = net.count > 0 ? [`  logic ${Array.from({ length: net.count }, (_, i) => `t${i}`).join(', ')};`] : [];
  const ports = [
    ...(regs ? ['  input  wire logic clk_i,', '  input  wire logic adv_i, // the pipeline advances: registers load'] : []),
    `  input  wire logic [${xw}-1:0] x_i,`,
    ...(ww > 0 ? [`  input  wire logic [${ww}-1:0] w_i,`] : []),
    ...(engine.kind !== 'usum' ? [`  input  wire logic [${aw}-1:0] acc_i,`] : []),
    ...(treeTakesXsum(engine) ? [`  input  wire logic [${2 * aw}-1:0] xsum_i, // the input sum as two rows (carry-save)`] : []),
    carrySave ? `  output logic      [${2 * aw}-1:0] sum_o   // {row 1, row 0}: their sum mod 2**${aw} is the result` : `  output logic      [${aw}-1:0] sum_o`,
  ];
  return [
    generatedHeader,
    '`resetall',
    '`timescale 1ns/1ps',
    '`default_nettype none',
    `// ${name}: ${purpose}`,
    '//',
    carrySave ? `// ${stages} Wallace stage(s) of <= 6-bit counters after the lane level, down to 2 rows (not added).` : `// ${stages} Wallace stage(s) of <= 6-bit counters after the lane level, then one 2-row adder.`,
    ...(regs ? [`// ${pipeline} register level(s) (loaded on adv_i) in the lane heap; acc_i joins after the last.`] : []),
    '// See src/backends/rtl/dot-tree.ts.',
    `module ${name} (`,
    ...ports,
    ');',
    '',
    ...decl,
    ...net.assigns.filter((a) => !net.registered.has(/assign (t\d+)/.exec(a)![1])),
    ...(regs
      ? [
          '',
          '  always_ff @(posedge clk_i) begin',
          '    if (adv_i) begin',
          ...net.assigns.filter((a) => net.registered.has(/assign (t\d+)/.exec(a)![1])).map((a) => a.replace(/^\s*assign (t\d+) = (.*);$/, '      $1 <= $2;')),
          '    end',
          '  end',
        ]
      : []),
    '',
    carrySave ? `  assign sum_o = {${concatMsbFirst(rowB)}, ${concatMsbFirst(rowA)}};` : `  assign sum_o = ${concatMsbFirst(rowA)} + ${concatMsbFirst(rowB)};`,
    '',
    'endmodule',
    '',
    '`default_nettype wire',
    '',
  ].join('\n');
}

/** The one-channel combinational tree. */
export function dotTreeVerilog(n: NodePlan): string {
  const engine = treeEngineOf(n);
  if (!engine) throw new Error(`node ${n.index}: no tree engine for ${n.engine}`);
  const purpose = treeTakesXsum(engine)
    ? `sum_o = acc_i + 2 * sum_s (w_s & a_s) - xsum_i (= the ${n.engine} terms of ${n.simd} lanes) mod 2**${n.accWidth}, LUT6 compressor tree.`
    : `sum_o = acc_i + (${n.engine} terms of ${n.simd} lanes) mod 2**${n.accWidth}, LUT6 compressor tree.`;
  return treeModuleText(dotTreeModule(n), purpose, engine, n.simd, n.accWidth, n.enginePipe);
}

/** The input-sum tree shared by the channels of a sign-add node with unsigned inputs. */
export function dotXsumVerilog(n: NodePlan): string {
  return treeModuleText(
    dotXsumModule(n),
    `sum_o = the sum of the ${n.simd} unsigned ${n.inBits}-bit input elements mod 2**${n.accWidth} in carry-save form, LUT6 compressor tree. Without its carry-propagate adder the tree is short enough to sit between the input register and the MVU's buffer; the channels' trees take both rows.`,
    { kind: 'usum', inBits: n.inBits },
    n.simd,
    n.accWidth,
    0,
    true,
  );
}

/** Pe trees with their accumulators: the ports and timing of qtsc_dot_acc. */
export function dotAccVerilog(n: NodePlan): string {
  const engine = treeEngineOf(n);
  if (!engine) throw new Error(`node ${n.index}: no tree engine for ${n.engine}`);
  const aw = n.accWidth;
  const xw = n.simd * treeInBits(engine);
  const lw = n.simd * treeWeightBits(engine);
  const tree = dotTreeModule(n);
  const xsum = treeTakesXsum(engine);
  const constant = treeConstant({ simd: n.simd, accWidth: aw, engine });
  const init = (BigInt(n.sf) * constant) & ((1n << BigInt(aw)) - 1n);
  const initLit = `${aw}'h${init.toString(16)}`;
  const P = n.enginePipe;
  // With P register levels in the trees, a word's terms reach the accumulators P
  // advances after en_i: its valid and last flags travel beside them.
  const pipe =
    P === 0
      ? `
  logic acc_en, acc_last;
  assign acc_en = en_i;
  assign acc_last = last_i;`
      : `
  // en_i / last_i of the word whose terms leave the trees, ${P} advance(s) later.
  logic [${P}-1:0] v_pipe, l_pipe;
  logic acc_en, acc_last;
  always_ff @(posedge clk_i) begin
    if (rst_i) v_pipe <= '0;
    else if (adv_i) v_pipe <= ${P === 1 ? 'en_i' : `{v_pipe[${P - 2}:0], en_i}`};
  end
  always_ff @(posedge clk_i) begin
    if (adv_i) l_pipe <= ${P === 1 ? 'last_i' : `{l_pipe[${P - 2}:0], last_i}`};
  end
  assign acc_en = adv_i & v_pipe[${P - 1}];
  assign acc_last = l_pipe[${P - 1}];`;
  return `${generatedHeader}
\`resetall
\`timescale 1ns/1ps
\`default_nettype none
// ${n.engineModule}: ${n.engine} engine of node ${n.index}, ${n.pe} channel(s) x ${n.simd} lanes, accumulators of ${aw} bits.
//
// Same ports and timing as qtsc_dot_acc: when en_i, sum = acc + (terms of this word),
// acc <= last_i ? Init : sum, and on last_i the result register (acc_o) takes sum.${n.enginePipe > 0 ? `
// Pipelined: the trees hold ${n.enginePipe} register level(s) that move on adv_i, so a word is
// accumulated ${n.enginePipe} advance(s) after its en_i (qtsc_mvu EnginePipe delays its flags to match).` : ''}
// The trees leave out the constant part of the lane terms (${constant} per word, mod 2**${aw});
// the accumulators start at Init = ${n.sf} words x that = ${init} instead of 0.
// w_i: the ${lw} weight bits of channel p at [p*${lw} +: ${lw}]. Reset sets the accumulators to Init.
module ${n.engineModule} (
  input  wire logic                clk_i,
  input  wire logic                rst_i,
  input  wire logic [${xw}-1:0]      x_i,${xsum ? `
  input  wire logic [${2 * aw}-1:0]    xsum_i,   // sum of x_i's elements, two rows (registered with x_i)` : ''}
  input  wire logic [${n.pe * lw}-1:0]      w_i,
  input  wire logic                en_i,
  input  wire logic                last_i,${P > 0 ? `
  input  wire logic                adv_i,    // the MVU's pipeline advance (en_i implies it)` : ''}
  output logic      [${n.pe * aw}-1:0]      acc_o
);
${pipe}

  // One synchronous reset (to Init) for all accumulators: reset, or the last word of a dot product.
  logic clear;
  assign clear = rst_i | (acc_en & acc_last);

  for (genvar p = 0; p < ${n.pe}; p++) begin : g_pe
    logic [${aw}-1:0] acc_q, res_q, sum;

    ${tree} u_tree (${P > 0 ? `
      .clk_i(clk_i),
      .adv_i(adv_i),` : ''}
      .x_i(x_i),
      .w_i(w_i[p*${lw} +: ${lw}]),
      .acc_i(acc_q),${xsum ? `
      .xsum_i(xsum_i),` : ''}
      .sum_o(sum)
    );

    always_ff @(posedge clk_i) begin
      if (clear) acc_q <= ${initLit};
      else if (acc_en) acc_q <= sum;
    end

    always_ff @(posedge clk_i) begin
      if (acc_en && acc_last) res_q <= sum;
    end

    assign acc_o[p*${aw} +: ${aw}] = res_q;
  end

endmodule

\`default_nettype wire
`;
}
