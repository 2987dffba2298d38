/**
 * Generated xnor-popcount engine: a compressor tree shaped for 6-input LUTs.
 *
 * Yosys turns a popcount written as a loop (or as a tree of `+`) into one big
 * $macc and then into 3:2 full adders, about 2.6 LUTs per lane at SIMD 64
 * under synth_xilinx. This generator builds the bit heap itself:
 *
 *   1. lanes in groups of three: xnor and a full adder in one step, each of its
 *      two outputs a function of 6 inputs (x0 w0 x1 w1 x2 w2): one LUT6 each;
 *   2. the accumulator joins the heap as one more row (it is cleared after the
 *      last word by the flip-flops' synchronous reset, so it needs no gate);
 *   3. Wallace stages of column counters of up to 6 bits (a 6:3 counter is 3
 *      LUT6, one per output bit), until every column holds at most 2 bits;
 *   4. one carry-chain adder of the 2 rows.
 *
 * Everything is modulo 2**AccWidth (the accumulator never exceeds it), so
 * counter outputs that would land at or above column AccWidth are not built.
 * Counters are written as XOR/majority gate networks; abc collapses each
 * output, a function of at most 6 heap bits, into one LUT.
 *
 * Files: `<node>_xnor_tree.v` (one channel, combinational: sum = acc +
 * popcount(xnor(x, w)) mod 2**AccWidth) and `<node>_xnor_acc.v` (Pe trees,
 * their accumulator and result registers: the ports and timing of qtsc_dot_acc).
 */
import type { NodePlan } from './plan.js';
import { generatedHeader } from './templates.js';

class Netlist {
  readonly assigns: string[] = [];
  private n = 0;
  wire(expr: string): string {
    const name = `t${this.n++}`;
    this.assigns.push(`  assign ${name} = ${expr};`);
    return name;
  }
  get count(): number {
    return this.n;
  }
}

/**
 * Popcount of up to 6 bits as a small gate network; returns its bits LSB first,
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

export interface TreeShape {
  simd: number;
  accWidth: number;
}

/** Body of the one-channel tree: assigns, and the two final rows. */
export function buildTree(shape: TreeShape): { net: Netlist; rowA: string[]; rowB: string[]; stages: number } {
  const { simd, accWidth: aw } = shape;
  const net = new Netlist();
  let cols: string[][] = Array.from({ length: aw }, () => []);
  // 1. xnor + full adder per group of three lanes.
  for (let g = 0; g < simd; g += 3) {
    const lanes = [];
    for (let s = g; s < Math.min(g + 3, simd); s++) lanes.push(`~(x_i[${s}] ^ w_i[${s}])`);
    if (lanes.length === 1) {
      cols[0].push(net.wire(lanes[0]));
      continue;
    }
    const bits = counter(net, lanes.map((l) => `(${l})`), Math.min(2, aw));
    bits.forEach((b, k) => cols[k].push(b));
  }
  // 2. the accumulator row.
  for (let j = 0; j < aw; j++) cols[j].push(`acc_i[${j}]`);
  // 3. Wallace stages of <= 6-bit counters.
  let stages = 0;
  while (cols.some((c) => c.length > 2)) {
    stages++;
    const next: string[][] = Array.from({ length: aw }, () => []);
    cols.forEach((col, j) => {
      let i = 0;
      const take = (k: number) => {
        const bits = counter(net, col.slice(i, i + k), aw - j);
        bits.forEach((b, t) => next[j + t].push(b));
        i += k;
      };
      while (col.length - i >= 6) take(6);
      const r = col.length - i;
      // A leftover of 3..5 bits is worth a counter (it removes 1..2 bits).
      if (r >= 3) take(r);
      for (; i < col.length; i++) next[j].push(col[i]);
    });
    cols = next;
  }
  const rowA = cols.map((c) => c[0] ?? "1'b0");
  const rowB = cols.map((c) => c[1] ?? "1'b0");
  return { net, rowA, rowB, stages };
}

function concatMsbFirst(bits: string[]): string {
  return `{${bits.slice().reverse().join(', ')}}`;
}

export function xnorTreeModule(n: NodePlan): string {
  return `${n.module}_xnor_tree`;
}

/** The one-channel combinational tree. */
export function xnorTreeVerilog(n: NodePlan): string {
  const aw = n.accWidth;
  const { net, rowA, rowB, stages } = buildTree({ simd: n.simd, accWidth: aw });
  const name = xnorTreeModule(n);
  const decl = net.count > 0 ? [`  logic ${Array.from({ length: net.count }, (_, i) => `t${i}`).join(', ')};`] : [];
  return [
    generatedHeader,
    '`resetall',
    '`timescale 1ns/1ps',
    '`default_nettype none',
    `// ${name}: sum_o = acc_i + popcount(xnor(x_i, w_i)) mod 2**${aw}, ${n.simd} lanes, LUT6 compressor tree.`,
    '//',
    `// ${stages} Wallace stage(s) of <= 6-bit counters after the 3-lane xnor/full-adder level,`,
    '// then one 2-row adder. See src/backends/rtl/xnor-tree.ts.',
    `module ${name} (`,
    `  input  wire logic [${n.simd}-1:0] x_i,`,
    `  input  wire logic [${n.simd}-1:0] w_i,`,
    `  input  wire logic [${aw}-1:0] acc_i,`,
    `  output logic      [${aw}-1:0] sum_o`,
    ');',
    '',
    ...decl,
    ...net.assigns,
    '',
    `  assign sum_o = ${concatMsbFirst(rowA)} + ${concatMsbFirst(rowB)};`,
    '',
    'endmodule',
    '',
    '`default_nettype wire',
    '',
  ].join('\n');
}

/** Pe trees with their accumulators: the ports and timing of qtsc_dot_acc. */
export function xnorAccVerilog(n: NodePlan): string {
  const aw = n.accWidth;
  const tree = xnorTreeModule(n);
  return `${generatedHeader}
\`resetall
\`timescale 1ns/1ps
\`default_nettype none
// ${n.engineModule}: xnor-popcount engine of node ${n.index}, ${n.pe} channel(s) x ${n.simd} lanes, accumulators of ${aw} bits.
//
// Same ports and timing as qtsc_dot_acc with Engine 0: when en_i, sum = acc + popcount(xnor(x, w)),
// acc <= last_i ? 0 : sum, and on last_i the result register (acc_o) takes sum.
// w_i: lane s of channel p at bit p*${n.simd} + s. The accumulators are reset (they start at 0).
module ${n.engineModule} (
  input  wire logic                clk_i,
  input  wire logic                rst_i,
  input  wire logic [${n.simd}-1:0]      x_i,
  input  wire logic [${n.pe * n.simd}-1:0]      w_i,
  input  wire logic                en_i,
  input  wire logic                last_i,
  output logic      [${n.pe * aw}-1:0]      acc_o
);

  // One synchronous reset for all accumulators: reset, or the last word of a dot product.
  logic clear;
  assign clear = rst_i | (en_i & last_i);

  for (genvar p = 0; p < ${n.pe}; p++) begin : g_pe
    logic [${aw}-1:0] acc_q, res_q, sum;

    ${tree} u_tree (
      .x_i(x_i),
      .w_i(w_i[p*${n.simd} +: ${n.simd}]),
      .acc_i(acc_q),
      .sum_o(sum)
    );

    always_ff @(posedge clk_i) begin
      if (clear) acc_q <= '0;
      else if (en_i) acc_q <= sum;
    end

    always_ff @(posedge clk_i) begin
      if (en_i && last_i) res_q <= sum;
    end

    assign acc_o[p*${aw} +: ${aw}] = res_q;
  end

endmodule

\`default_nettype wire
`;
}
