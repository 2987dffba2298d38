/**
 * Static timing of a mapped netlist, first order: the longest register-to-
 * register (or port-to-register) path through Yosys' mapped cells, each
 * cell and each net given a delay per target family. Yosys' `ltp` counts
 * cells (a CARRY4 as much as a LUT plus its route), which makes wide adders
 * look several times slower than they are; here a carry chain's dedicated
 * CI->CO hop costs a tenth of a ns, as in the vendors' datasheets.
 *
 * The model (ns):
 *   path   = launch + sum(net + cell) + net + setup
 *   launch = clock-to-out of the start point: a flip-flop, or a block RAM
 *            (much slower without its output register), or 0 at a port
 *   net    = one general route between cells (0 into a carry-in or a wide
 *            mux's data input: those have wires of their own in the slice)
 *   cell   = the cell's own delay from the input pin the path enters by
 * Sequential cells (flip-flops, block RAMs, DSPs, shift registers) start and
 * end paths; LUT RAMs are read combinationally (address -> data) like a LUT.
 * The figures are rounded datasheet values for the slowest speed grade of
 * each family (Xilinx DS181 for 7-series -1: LUT ~0.1, CARRY4 CI->CO ~0.1,
 * S->CO ~0.4, BRAM clock-to-out 2.1 without and 0.9 with DOA_REG, FF
 * clock-to-out 0.45) with a route a few times a LUT's delay; the iCE40 ones
 * came out 6-10% slower than nextpnr-ice40 on the engine designs of
 * BENCHMARKS.md ("Timing per engine").
 * Placement and routing are not modelled: this says which path is longest
 * and roughly how long, not whether a design closes timing.
 */
import * as fs from 'node:fs';
import type { SynthTarget } from '../../drivers/yosys.js';

export interface CellDelay {
  /** Delay through the cell by input port (ns); '*' for every other input. */
  through: Record<string, number>;
  /**
   * Input ports that do not pass through to an output but are written at the
   * clock edge (a LUT RAM's write data and enable): they end paths.
   */
  endPorts?: RegExp;
}

export interface FamilyTiming {
  family: string;
  /** A general route between two cells. */
  netNs: number;
  /** Flip-flop clock-to-out. */
  ffLaunchNs: number;
  /** Setup of the end point (flip-flop or block RAM input). */
  setupNs: number;
  /** Clock-to-out of a block RAM read port without / with its output register. */
  bramLaunchNs: number;
  bramRegLaunchNs: number;
  /** Combinational cells by type (regular expression on the type name). */
  cells: { type: RegExp; delay: CellDelay }[];
  /** Sequential cells: they start and end paths. */
  sequential: RegExp;
  /** Block RAMs (launch from bramLaunchNs, or bramRegLaunchNs when registered). */
  bram: RegExp;
  /** Whether a block RAM cell's read port has its output register enabled. */
  bramRegistered: (params: Record<string, string>) => boolean;
  /** Input ports fed by a dedicated wire inside the slice (no route delay), by cell type: a carry-in, a wide mux's data inputs. */
  dedicated: Record<string, RegExp>;
}

const zeroParam = (v: string | undefined) => v === undefined || /^0*$/.test(v);

export const FAMILY_TIMING: Partial<Record<SynthTarget, FamilyTiming>> = {
  xilinx: {
    family: 'Xilinx 7-series (-1)',
    netNs: 0.45,
    ffLaunchNs: 0.45,
    setupNs: 0.1,
    bramLaunchNs: 2.1,
    bramRegLaunchNs: 0.9,
    cells: [
      { type: /^LUT[1-6](_2)?$|^INV$|^BUF$/, delay: { through: { '*': 0.1 } } },
      { type: /^MUXF7$/, delay: { through: { '*': 0.3 } } },
      { type: /^MUXF8$/, delay: { through: { '*': 0.15 } } },
      { type: /^CARRY4$/, delay: { through: { CI: 0.1, '*': 0.4 } } },
      // LUT RAM read: address to data, as a LUT (plus its output mux on the wide ones)
      // (RAM*M: ADDRA-D; RAM*X1D: A*, DPRA*); the write port's data and enable are registered
      { type: /^RAM(32|64|128|256)/, delay: { through: { '*': 0.25 }, endPorts: /^(DI|D$|WE)/ } },
    ],
    sequential: /^(FD[RSCP]E|LD[CP]E|SRL|RAMB|DSP48)/,
    bram: /^RAMB(18|36)E[12]$/,
    bramRegistered: (p) => !zeroParam(p.DOA_REG) || !zeroParam(p.DOB_REG),
    // CI from the CARRY4 below; a MUXF7's data from its slice's two LUTs, a MUXF8's from its two MUXF7s
    dedicated: { CARRY4: /^CI$/, MUXF7: /^I[01]$/, MUXF8: /^I[01]$/ },
  },
  ice40: {
    family: 'Lattice iCE40 HX/UP',
    netNs: 0.9,
    ffLaunchNs: 0.8,
    setupNs: 0.3,
    bramLaunchNs: 2.5,
    bramRegLaunchNs: 2.5,
    cells: [
      { type: /^SB_LUT4$/, delay: { through: { '*': 0.45 } } },
      { type: /^SB_CARRY$/, delay: { through: { CI: 0.1, '*': 0.3 } } },
    ],
    sequential: /^(SB_DFF|SB_RAM|SB_MAC16)/,
    bram: /^SB_RAM40_4K/,
    bramRegistered: () => false,
    dedicated: { SB_CARRY: /^CI$/ },
  },
};

export interface TimingPath {
  /** Estimated delay of the longest path (ns). */
  delayNs: number;
  /** 1000 / delayNs, one decimal. */
  fmaxMHz: number;
  /** Cell types along the path, start point first (e.g. FDRE LUT6 CARRY4 ... FDRE). */
  through: string[];
  /** Along the path, the name of the net each cell drives (the end point: the net it reads), so a register or memory is named as in the RTL. */
  nets: string[];
  /** LUT-like cells on the path (carry and mux cells not counted). */
  lutLevels: number;
  /** Every end point (sequential cell) whose worst path is longer than the slowerThanNs asked for, slowest first. */
  slowEnds: { end: string; ns: number }[];
}

interface NetlistCell {
  type: string;
  parameters?: Record<string, string>;
  port_directions?: Record<string, 'input' | 'output' | 'inout'>;
  connections: Record<string, (number | string)[]>;
}

interface NetlistModule {
  ports?: Record<string, { direction: string; bits: (number | string)[] }>;
  cells?: Record<string, NetlistCell>;
  netnames?: Record<string, { bits: (number | string)[]; hide_name?: number }>;
}

export interface Netlist {
  modules: Record<string, NetlistModule>;
}

export function readNetlist(file: string): Netlist {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Netlist;
}

/**
 * The longest path of module `top` (flattened: submodule instances are not
 * entered, their pins are treated as ports). null for a family without a
 * timing table or a design with no path.
 */
export function longestPath(netlist: Netlist, top: string, target: SynthTarget, slowerThanNs?: number): TimingPath | null {
  const t = FAMILY_TIMING[target];
  const mod = netlist.modules[top];
  if (!t || !mod) return null;
  const cells = Object.entries(mod.cells ?? {});
  const delayOf = (type: string) => t.cells.find((c) => c.type.test(type))?.delay;
  // Driver of every net bit: [cell index, is sequential]
  const driver = new Map<number, number>();
  const kind: ('seq' | 'comb' | 'other')[] = [];
  cells.forEach(([, c], i) => {
    kind[i] = t.sequential.test(c.type) ? 'seq' : delayOf(c.type) ? 'comb' : 'other';
    for (const [port, bits] of Object.entries(c.connections)) {
      if (c.port_directions?.[port] !== 'output') continue;
      for (const b of bits) if (typeof b === 'number') driver.set(b, i);
    }
  });
  const launch = (i: number): number => {
    const c = cells[i][1];
    if (t.bram.test(c.type)) return t.bramRegistered(c.parameters ?? {}) ? t.bramRegLaunchNs : t.bramLaunchNs;
    return kind[i] === 'seq' ? t.ffLaunchNs : 0;
  };
  // arrival[i]: latest time the output of combinational cell i settles, with the predecessor on that path
  const arrival = new Map<number, { ns: number; from: number | null }>();
  const onStack = new Set<number>();
  // arrival at an input bit of some cell, entering through `port` of a cell of type `type`
  const atInput = (bit: number | string, port: string, type: string): { ns: number; from: number | null } => {
    if (typeof bit !== 'number') return { ns: 0, from: null };
    const d = driver.get(bit);
    const route = t.dedicated[type]?.test(port) ? 0 : t.netNs;
    if (d === undefined) return { ns: route, from: null }; // a port of the module
    if (kind[d] === 'comb') return { ns: cellArrival(d).ns + route, from: d };
    return { ns: launch(d) + route, from: d };
  };
  const cellArrival = (i: number): { ns: number; from: number | null } => {
    const known = arrival.get(i);
    if (known) return known;
    if (onStack.has(i)) return { ns: 0, from: null }; // a combinational loop: cut it (check-graph reports loops elsewhere)
    onStack.add(i);
    const c = cells[i][1];
    const delay = delayOf(c.type)!;
    let best = { ns: 0, from: null as number | null };
    for (const [port, bits] of Object.entries(c.connections)) {
      if (c.port_directions?.[port] !== 'input' || delay.endPorts?.test(port)) continue;
      const through = delay.through[port] ?? delay.through['*'];
      for (const b of bits) {
        const a = atInput(b, port, c.type);
        if (a.ns + through > best.ns) best = { ns: a.ns + through, from: a.from };
      }
    }
    onStack.delete(i);
    arrival.set(i, best);
    return best;
  };
  // End points: inputs of sequential cells (clock and reset pins too are data here, a first-order simplification:
  // a reset driven by logic is a path) and the module's output ports.
  let worst = { ns: 0, from: null as number | null, end: -1 };
  const perEnd = new Map<number, number>();
  const consider = (bit: number | string, port: string, type: string, end: number) => {
    const a = atInput(bit, port, type);
    const ns = a.ns + t.setupNs;
    if (end >= 0) perEnd.set(end, Math.max(perEnd.get(end) ?? 0, ns));
    if (ns > worst.ns) worst = { ns, from: a.from, end };
  };
  cells.forEach(([, c], i) => {
    const endPorts = kind[i] === 'seq' ? /./ : kind[i] === 'comb' ? delayOf(c.type)!.endPorts : undefined;
    if (!endPorts) return;
    for (const [port, bits] of Object.entries(c.connections)) {
      if (c.port_directions?.[port] !== 'input' || !endPorts.test(port) || /^(C|CLK|WCLK|CLKARDCLK|CLKBWRCLK)$/.test(port)) continue;
      for (const b of bits) consider(b, port, c.type, i);
    }
  });
  for (const p of Object.values(mod.ports ?? {})) {
    if (p.direction === 'output') for (const b of p.bits) consider(b, '', '', -1);
  }
  if (worst.ns === 0) return null;
  const chain: number[] = [];
  for (let at = worst.from; at !== null; at = kind[at] === 'comb' ? cellArrival(at).from : null) chain.unshift(at);
  if (worst.end >= 0) chain.push(worst.end);
  const through = chain.map((i) => cells[i][1].type);
  // the RTL's name of the net a cell drives: the shortest visible name of its first output bit
  const names = new Map<number, string>();
  for (const [name, n] of Object.entries(mod.netnames ?? {})) {
    if (n.hide_name) continue;
    n.bits.forEach((b, k) => {
      if (typeof b !== 'number') return;
      const shown = n.bits.length > 1 ? `${name}[${k}]` : name;
      const had = names.get(b);
      if (had === undefined || shown.length < had.length) names.set(b, shown);
    });
  }
  const outBit = (i: number) => {
    const c = cells[i][1];
    for (const [port, bits] of Object.entries(c.connections)) if (c.port_directions?.[port] === 'output') for (const b of bits) if (typeof b === 'number' && names.has(b)) return names.get(b)!;
    return cells[i][0];
  };
  const slowEnds = [...perEnd.entries()]
    .filter(([, ns]) => slowerThanNs !== undefined && ns > slowerThanNs)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([i, ns]) => ({ end: outBit(i), ns: Math.round(ns * 100) / 100 }));
  const nets = chain.map((i, k) => (k === chain.length - 1 && worst.end === i ? `(into) ${outBit(i)}` : outBit(i)));
  return {
    slowEnds,
    delayNs: Math.round(worst.ns * 100) / 100,
    fmaxMHz: Math.round((1000 / worst.ns) * 10) / 10,
    through,
    nets,
    lutLevels: through.filter((ty) => /^(LUT|SB_LUT4|RAM(32|64|128|256))/.test(ty)).length,
  };
}
