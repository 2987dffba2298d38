/**
 * The compile report: what each layer became (engine, folding, widths,
 * multipliers), the analytic cycle count, and what the compiler had to
 * decide (calibration, approximations). Written as report.json (for tools)
 * and report.md (for people).
 */
import type { Compiled } from '../../compile.js';
import { actBits, elemBits, inputElem, weightBits, windowOutput } from '../../ir/hardware-ir.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { estimateRtl, type RtlEstimate } from '../estimates/resources.js';
import { describeSpace } from '../../ir/value-space-class.js';

export interface LayerReport {
  name: string;
  /** Node kind: 'mvu', 'swu' (sliding window), 'maxpool'. */
  op: string;
  source: string;
  /** The MVU's engine, or the unit's kind for other nodes. */
  engine: string;
  valueSpace: string;
  valueSpaceSource: string;
  mw: number;
  mh: number;
  pe: number;
  simd: number;
  lanes: number;
  cyclesPerFrame: number;
  inputBits: number;
  weightBits: number;
  accWidth: number;
  output: string;
  multipliers: number;
  weightRomBits: number;
  /** Line buffer, running sums or FIFO of a window/depthwise/FIFO unit: size and where the estimate puts it. */
  memory?: string;
}

export interface CompileReport {
  model: string;
  top: string;
  input: { bits: number; scale: number; source: string };
  layers: LayerReport[];
  expectedCyclesPerFrame: number;
  bottleneck: string;
  multipliers: number;
  notes: Array<{ layer: string; note: string }>;
  accuracy?: Compiled['accuracy'];
  onnxruntime?: Compiled['onnxruntime'];
}

/** `rtl`: the plan and estimate of the RTL written beside the report, when the caller has them. */
export function buildReport(c: Compiled, rtl: RtlEstimate = estimateRtl(c.ir)): CompileReport {
  const weighted = new Map(c.graph.layers.flatMap((l) => (l.kind === 'dense' || l.kind === 'conv2d' ? [[l.name, l] as const] : [])));
  const layers: LayerReport[] = c.ir.nodes.map((n) => {
    if (n.op === 'vvu') {
      const [oh, ow] = c.ir.tensors[n.outputs[0]].shape;
      const d = weighted.get(n.layers[0]);
      return {
        name: n.name,
        op: n.op,
        source: n.layers.join(' + '),
        engine: 'depthwise (vvu)',
        valueSpace: d?.valueSpace ? describeSpace(d.valueSpace) : 'float',
        valueSpaceSource: d?.valueSpaceSource ?? '-',
        mw: n.taps,
        mh: n.channels * n.multiplier,
        pe: n.simd * n.multiplier,
        simd: n.simd,
        lanes: n.simd * n.multiplier,
        cyclesPerFrame: nodeCycles(c.ir, n),
        inputBits: actBits(n.input),
        weightBits: weightBits(n.weights),
        accWidth: n.accWidth,
        output: `${oh}x${ow}x${n.channels * n.multiplier}, ${n.output.count} threshold(s) -> ${actBits(n.output.out)}-bit ${n.output.out.kind}`,
        multipliers: 0,
        weightRomBits: n.taps * n.channels * n.multiplier * weightBits(n.weights),
      };
    }
    if (n.op === 'fork' || n.op === 'fifo' || n.op === 'add') {
      const [h, w, ch] = c.ir.tensors[n.inputs[0]].shape;
      return {
        name: n.name,
        op: n.op,
        source: n.layers.join(' + '),
        engine: n.op === 'fork' ? 'fork' : n.op === 'fifo' ? `fifo (${n.depth} words)` : 'add',
        valueSpace: '-',
        valueSpaceSource: '-',
        mw: ch,
        mh: ch,
        pe: n.simd,
        simd: n.simd,
        lanes: n.simd,
        cyclesPerFrame: nodeCycles(c.ir, n),
        inputBits: n.op === 'add' ? actBits(n.a) : elemBits(n.elem),
        weightBits: 0,
        accWidth: n.op === 'add' ? n.zWidth : 0,
        output: n.op === 'add' ? `${h}x${w}x${ch}, z = ${n.aMul}a + ${n.bMul}b, ${n.output.count} threshold(s) -> ${actBits(n.output.out)}-bit ${n.output.out.kind}` : `${h}x${w}x${ch}`,
        multipliers: 0,
        weightRomBits: 0,
      };
    }
    if (n.op !== 'mvu') {
      const [ih, iw, ch] = c.ir.tensors[n.inputs[0]].shape;
      const { oh, ow } = windowOutput(n.window, ih, iw);
      const [kh, kw] = n.window.kernel;
      return {
        name: n.name,
        op: n.op,
        source: n.layers.join(' + '),
        engine: n.op === 'swu' ? 'sliding window' : n.op === 'maxpool' ? 'max pool' : 'sum pool',
        valueSpace: '-',
        valueSpaceSource: '-',
        mw: kh * kw * ch,
        mh: n.op === 'swu' ? kh * kw * ch : ch,
        pe: n.simd,
        simd: n.simd,
        lanes: n.simd,
        cyclesPerFrame: nodeCycles(c.ir, n),
        inputBits: elemBits(n.elem),
        weightBits: 0,
        accWidth: 0,
        output: `${oh}x${ow} ${n.op === 'swu' ? `windows of ${kh}x${kw}x${ch}` : `x${ch}`}, stride ${n.window.stride.join('x')}, padding [${n.window.pad.join(', ')}]`,
        multipliers: 0,
        weightRomBits: 0,
      };
    }
    const d = weighted.get(n.layers[0]);
    if (!d) throw new Error(`report: node '${n.name}' names layer '${n.layers[0]}', which the graph does not have`);
    return {
      name: n.name,
      op: n.op,
      source: n.layers.join(' + '),
      engine: n.engine,
      valueSpace: d.valueSpace ? describeSpace(d.valueSpace) : 'float',
      valueSpaceSource: d.valueSpaceSource,
      mw: n.mw,
      mh: n.mh,
      pe: n.pe,
      simd: n.simd,
      lanes: n.pe * n.simd,
      cyclesPerFrame: nodeCycles(c.ir, n),
      inputBits: actBits(n.input),
      weightBits: weightBits(n.weights),
      accWidth: n.accWidth,
      output: n.output.kind === 'thresholds' ? `${n.output.count} threshold(s) -> ${actBits(n.output.out)}-bit ${n.output.out.kind}` : `logits (${n.output.logitWidth} bits, shift ${n.output.shift}) + argmax`,
      multipliers: n.multipliers,
      weightRomBits: n.mw * n.mh * weightBits(n.weights),
    };
  });
  // Where each unit's buffer goes (block RAM or LUTs), from the estimate of the RTL gen-hw writes.
  const { plan, estimate: est } = rtl;
  plan.stages.forEach((st, i) => {
    const parts = est.nodes[i].parts;
    const mem = parts.buffer ?? parts.sums ?? parts.memory;
    let words = 0;
    let width = 0;
    if (st.kind === 'swu' || st.kind === 'maxpool' || st.kind === 'sumpool') [words, width] = st.direct ? [0, 0] : [st.bufferWords, st.inWidth];
    else if (st.kind === 'vvu') [words, width] = [st.groups, st.lanes * st.accWidth];
    else if (st.kind === 'fifo') [words, width] = [st.depth, st.outWidth];
    if (mem && words > 0) layers[i].memory = `${words} x ${width} bits, ${mem.brams > 0 ? `block RAM (${mem.brams} RAMB36)` : `LUTRAM/logic (~${mem.luts} LUTs)`}`;
  });
  const worst = layers.reduce((a, b) => (b.cyclesPerFrame > a.cyclesPerFrame ? b : a));
  const notes = [
    ...c.calibrationNotes.map((n) => ({ layer: n.layer, note: `calibrated: ${n.from} -> ${n.to.fn === 'quant' ? `${n.to.bits}-bit uniform, clip ${n.to.clip.toPrecision(6)}` : 'sign'}` })),
    ...c.loweringNotes,
  ];
  return {
    model: c.graph.file,
    top: c.ir.top,
    input: { bits: actBits(inputElem(c.ir)), scale: c.ir.input.scale, source: c.graph.inputQuantSource },
    layers,
    expectedCyclesPerFrame: worst.cyclesPerFrame,
    bottleneck: worst.name,
    multipliers: layers.reduce((a, l) => a + l.multipliers, 0),
    notes,
    accuracy: c.accuracy,
    onnxruntime: c.onnxruntime,
  };
}

const pct = (x: number) => (100 * x).toFixed(2) + '%';

export function reportMarkdown(r: CompileReport): string {
  const lines = [
    `# qtsc compile report: ${r.top}`,
    '',
    `Model: \`${r.model}\`  `,
    `Input: ${r.input.bits}-bit unsigned codes, scale ${r.input.scale} (${r.input.source})  `,
    `Expected cycles per frame: ${r.expectedCyclesPerFrame} (bottleneck ${r.bottleneck})  `,
    `Multipliers: ${r.multipliers}`,
    '',
    '| layer | engine | value space | MW | MH | PE | SIMD | cycles/frame | in bits | w bits | acc bits | output | mult | buffer |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.layers.map((l) => `| ${l.source} | ${l.engine} | ${l.valueSpace} (${l.valueSpaceSource}) | ${l.mw} | ${l.mh} | ${l.pe} | ${l.simd} | ${l.cyclesPerFrame} | ${l.inputBits} | ${l.weightBits} | ${l.accWidth} | ${l.output} | ${l.multipliers} | ${l.memory ?? ''} |`),
  ];
  if (r.accuracy) {
    const a = r.accuracy;
    lines.push('', `## Accuracy on ${a.samples} test samples of ${a.source}`, '', '| model | accuracy |', '|---|---|', `| float (as trained) | ${pct(a.float)} |`, `| calibrated activations (float) | ${pct(a.calibrated)} |`, `| hardware (golden model) | ${pct(a.hardware)} |`, '', `Calibration changed accuracy by ${((a.hardware - a.float) * 100).toFixed(2)} points.`);
  }
  if (r.onnxruntime) {
    const o = r.onnxruntime;
    if ('skipped' in o) lines.push('', '## onnxruntime comparison', '', `Not run: ${o.skipped}.`);
    else {
      lines.push('', `## onnxruntime comparison on ${o.samples} frames of ${o.source}`, '', '| qtsc model | argmax agrees with onnxruntime |', '|---|---|', `| float Graph IR (as imported) | ${pct(o.floatAgreement)} |`, `| hardware (golden model) | ${pct(o.hardwareAgreement)} |`);
    }
  }
  if (r.notes.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- \`${n.layer}\`: ${n.note}`));
  return lines.join('\n') + '\n';
}
