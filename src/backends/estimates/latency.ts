/**
 * Latency of one frame, from the RTL plan: the cycles from the cycle the
 * frame's first word is taken on s_axis to the cycle its output word is taken
 * on m_axis, with s_axis valid and m_axis ready in every cycle and the
 * pipeline empty (what src/drivers/verilator.ts reports as latencyCycles
 * without stalls).
 *
 * The figure is not a sum of per-node terms: it comes from stepping, cycle by
 * cycle, the flow-control registers the generated RTL has on the frame's path
 * (handshake-models.ts), wired as the top wires the units (templates/top.sv.hbs,
 * top-graph.sv.hbs): the frame checker and the input register slice; each
 * node's wrapper (qtsc_mvu with its input banks, weight ROM output register
 * (romOutputReg), compressor-tree levels (--pipeline) and output register, and
 * the binary-search stage; qtsc_swu's line buffer and its row releases,
 * qtsc_pool, qtsc_vvu, the skip FIFO, fork and add); the skid buffer and the
 * width converter on every stream; the argmax collector. So it counts the
 * words a frame is made of (every node folds its vectors, a sliding window
 * waits for its rows), every register stage a word passes, and every cycle a
 * unit waits for a slower neighbour.
 */
import { type HardwareIR, type HwNode, clog2 } from '../../ir/hardware-ir.js';
import { streamFormat } from '../../golden/stream-format.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { type RtlPlan, type StagePlan, stageInput, stageOutputElems } from '../rtl/plan.js';
import { QtscError } from '../../util/errors.js';
import {
  type ClockedUnit,
  type Link,
  Add,
  ArgmaxCollect,
  ArgmaxCollectPipelined,
  BinarySearch,
  Fork,
  Mvu,
  Pool,
  Skid,
  Swu,
  Vvu,
  Wire,
  fifo,
  widthConverter,
} from './handshake-models.js';

/** The s_axis side: offers a frame's words, one per cycle, until all are taken. */
class Source implements ClockedUnit {
  readonly inputs = 0;
  readonly outputs = 1;
  private sent = 0;
  private out: Link = { valid: false, ready: false };
  constructor(private readonly words: number) {}
  connect(_ins: Link[], outs: Link[]): void {
    this.out = outs[0];
  }
  forward(): void {
    this.out.valid = this.sent < this.words;
  }
  backward(): void {}
  tick(): boolean {
    if (!(this.out.valid && this.out.ready)) return false;
    this.sent++;
    return true;
  }
}

/** The m_axis side: always ready. */
class Sink implements ClockedUnit {
  readonly inputs = 1;
  readonly outputs = 0;
  private in: Link = { valid: false, ready: false };
  connect(ins: Link[]): void {
    this.in = ins[0];
  }
  forward(): void {}
  backward(): void {
    this.in.ready = true;
  }
  tick(): boolean {
    return false;
  }
}

interface Placed {
  unit: ClockedUnit;
  ins: Link[];
  outs: Link[];
}

/** The units of one node's wrapper, in stream order (the first takes the node's inputs, the last gives its outputs). */
function nodeUnits(n: HwNode, st: StagePlan): ClockedUnit[] {
  switch (st.kind) {
    case 'mvu': {
      const mvu = new Mvu({ sf: st.sf, nf: st.nf, weightReg: st.weightReg, enginePipe: st.enginePipe });
      return st.bsearch ? [mvu, new BinarySearch(st.bsLevels)] : [mvu];
    }
    case 'swu':
    case 'maxpool':
    case 'sumpool': {
      const units: ClockedUnit[] = st.direct ? [] : [new Swu(st)];
      if (st.kind !== 'swu') units.push(new Pool(st.kh * st.kw, st.c / st.simd));
      return units.length > 0 ? units : [new Wire()];
    }
    case 'vvu':
      return [new Vvu(st.taps, st.groups)];
    case 'fifo':
      return [fifo(st.depth)];
    case 'fork':
      return [new Fork()];
    case 'add':
      return [new Add()];
    default:
      throw new QtscError(`latency: node '${n.name}' has no flow-control model`);
  }
}

/** The network of the top: every unit with its links, in an order where every producer comes before its consumers. */
function buildNetwork(ir: HardwareIR, plan: RtlPlan): { units: Placed[]; input: Link; output: Link } {
  const units: Placed[] = [];
  const place = (unit: ClockedUnit, ins: Link[]): Placed => {
    const outs = Array.from({ length: unit.outputs }, (): Link => ({ valid: false, ready: false }));
    unit.connect(ins, outs);
    const p: Placed = { unit, ins, outs };
    units.push(p);
    return p;
  };
  /** A chain of single-port units after `link`; returns the last one's output link. */
  const series = (link: Link, chain: ClockedUnit[]): Link => chain.reduce((l, u) => place(u, [l]).outs[0], link);

  const source = new Source(streamFormat(ir).inputWordsPerFrame);
  const input = place(source, []).outs[0];
  // Frame checker (a wire for a frame of the right length) and the input register slice.
  const framed = series(input, [new Wire(), new Skid()]);
  // The link each tensor's reader takes, filled as producers are placed.
  const consumerLink = new Map<string, Link>([[ir.input.tensor, framed]]);
  const design: { output?: Link } = {};
  ir.nodes.forEach((n, i) => {
    const st = plan.stages[i];
    const chain = nodeUnits(n, st);
    const ins = n.inputs.map((t) => {
      const l = consumerLink.get(t);
      if (!l) throw new QtscError(`latency: node '${n.name}' reads '${t}' before it is produced`);
      return l;
    });
    const first = place(chain[0], ins);
    const last = chain.slice(1).reduce((p, u) => place(u, [p.outs[0]]), first);
    n.outputs.forEach((t, k) => {
      if (t === ir.output) {
        // The logits: skid buffer, argmax collector (Classes / Pe words per frame).
        if (st.kind !== 'mvu') throw new QtscError(`latency: the design output comes from node '${n.name}', not from an MVU`);
        const levels = plan.collectorPipelined && st.pe > 1 ? clog2(st.pe) : 0;
        design.output = series(last.outs[k], [new Skid(), levels > 0 ? new ArgmaxCollectPipelined(st.nf, levels) : new ArgmaxCollect(st.nf)]);
        return;
      }
      // Every other stream: skid buffer, width converter to its reader's SIMD.
      const reader = ir.nodes.findIndex((m) => m.inputs.includes(t));
      if (reader < 0) throw new QtscError(`latency: tensor '${t}' of node '${n.name}' has no reader`);
      consumerLink.set(t, series(last.outs[k], [new Skid(), widthConverter(stageOutputElems(st), stageInput(plan.stages[reader]).elems)]));
    });
  });
  const output = design.output;
  if (!output) throw new QtscError('latency: the design output has no producer');
  place(new Sink(), [output]);
  return { units, input, output };
}

/**
 * Cycles from the first input word of a frame taken to its output word taken,
 * with no stalls (the file comment). `plan` is planRtl(ir, opts) of the RTL
 * whose latency is asked.
 */
export function frameLatency(ir: HardwareIR, plan: RtlPlan): number {
  const { units, input, output } = buildNetwork(ir, plan);
  // A frame is through long before this (a model that disagrees with the RTL could wait forever).
  const limit = 100_000 + 16 * ir.nodes.reduce((s, n) => s + nodeCycles(ir, n), 0);
  const n = units.length;
  // A unit whose registers did not change and whose inputs (input valids, output
  // readies) did not change would compute what it did last cycle: it is skipped.
  const awake = new Array<boolean>(n).fill(true);
  const inValidWas = units.map((p) => p.ins.map(() => false));
  const outReadyWas = units.map((p) => p.outs.map(() => false));
  const changedIn = (j: number) => units[j].ins.some((l, k) => l.valid !== inValidWas[j][k]);
  const changedOut = (j: number) => units[j].outs.some((l, k) => l.ready !== outReadyWas[j][k]);
  const run = new Array<boolean>(n).fill(true);
  let firstIn = -1;
  for (let cycle = 0; cycle < limit; cycle++) {
    for (let j = 0; j < n; j++) {
      run[j] = awake[j] || changedIn(j);
      if (run[j]) units[j].unit.forward();
    }
    for (let j = n - 1; j >= 0; j--) {
      run[j] = run[j] || changedOut(j);
      if (run[j]) units[j].unit.backward();
    }
    if (firstIn < 0 && input.valid && input.ready) firstIn = cycle;
    if (output.valid && output.ready) return cycle - firstIn;
    for (let j = 0; j < n; j++) {
      if (!run[j]) continue;
      const p = units[j];
      for (let k = 0; k < p.ins.length; k++) inValidWas[j][k] = p.ins[k].valid;
      for (let k = 0; k < p.outs.length; k++) outReadyWas[j][k] = p.outs[k].ready;
      awake[j] = p.unit.tick();
    }
  }
  throw new QtscError(`latency: design '${plan.top}' gave no output word within ${limit} cycles (a flow-control model disagrees with the RTL)`);
}
