/**
 * The compile report: what each layer became (engine, folding, widths,
 * multipliers), the analytic cycle count, and what the compiler had to
 * decide (calibration, approximations). Written as report.json (for tools)
 * and report.md (for people).
 */
import type { Compiled } from '../../compile.js';
import { actBits, weightBits } from '../../ir/hardware-ir.js';
import { nodeCycles } from '../../passes/choose-folding.js';
import { describeSpace } from '../../ir/value-space-class.js';

export interface LayerReport {
  name: string;
  source: string;
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
}

export function buildReport(c: Compiled): CompileReport {
  const denses = c.graph.layers.filter((l) => l.kind === 'dense');
  const layers: LayerReport[] = c.ir.nodes.map((n, i) => {
    const d = denses[i];
    return {
      name: n.name,
      source: n.source,
      engine: n.engine,
      valueSpace: d.valueSpace ? describeSpace(d.valueSpace) : 'float',
      valueSpaceSource: d.valueSpaceSource,
      mw: n.mw,
      mh: n.mh,
      pe: n.pe,
      simd: n.simd,
      lanes: n.pe * n.simd,
      cyclesPerFrame: nodeCycles(n),
      inputBits: actBits(n.input),
      weightBits: weightBits(n.weights),
      accWidth: n.accWidth,
      output: n.output.kind === 'thresholds' ? `${n.output.count} threshold(s) -> ${actBits(n.output.out)}-bit ${n.output.out.kind}` : `logits (${n.output.logitWidth} bits, shift ${n.output.shift}) + argmax`,
      multipliers: n.multipliers,
      weightRomBits: n.mw * n.mh * weightBits(n.weights),
    };
  });
  const worst = layers.reduce((a, b) => (b.cyclesPerFrame > a.cyclesPerFrame ? b : a));
  const notes = [
    ...c.calibrationNotes.map((n) => ({ layer: n.layer, note: `calibrated: ${n.from} -> ${n.to.fn === 'quant' ? `${n.to.bits}-bit uniform, clip ${n.to.clip.toPrecision(6)}` : 'sign'}` })),
    ...c.loweringNotes,
  ];
  return {
    model: c.graph.file,
    top: c.ir.top,
    input: { bits: actBits(c.ir.input), scale: c.ir.inputScale, source: c.graph.inputQuantSource },
    layers,
    expectedCyclesPerFrame: worst.cyclesPerFrame,
    bottleneck: worst.name,
    multipliers: layers.reduce((a, l) => a + l.multipliers, 0),
    notes,
    accuracy: c.accuracy,
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
    '| layer | engine | value space | MW | MH | PE | SIMD | cycles/frame | in bits | w bits | acc bits | output | mult |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.layers.map((l) => `| ${l.source} | ${l.engine} | ${l.valueSpace} (${l.valueSpaceSource}) | ${l.mw} | ${l.mh} | ${l.pe} | ${l.simd} | ${l.cyclesPerFrame} | ${l.inputBits} | ${l.weightBits} | ${l.accWidth} | ${l.output} | ${l.multipliers} |`),
  ];
  if (r.accuracy) {
    const a = r.accuracy;
    lines.push('', `## Accuracy on ${a.samples} test samples of ${a.source}`, '', '| model | accuracy |', '|---|---|', `| float (as trained) | ${pct(a.float)} |`, `| calibrated activations (float) | ${pct(a.calibrated)} |`, `| hardware (golden model) | ${pct(a.hardware)} |`, '', `Calibration changed accuracy by ${((a.hardware - a.float) * 100).toFixed(2)} points.`);
  }
  if (r.notes.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- \`${n.layer}\`: ${n.note}`));
  return lines.join('\n') + '\n';
}
