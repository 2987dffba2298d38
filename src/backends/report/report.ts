/**
 * The compile report: what each layer became (engine, folding, widths,
 * multipliers), the analytic cycle count, and what the compiler had to
 * decide (calibration, approximations). Written as report.json (for tools)
 * and report.md (for people).
 */
import type { Compiled } from '../../compile.js';
import { actBits, elemBits, inputElem, weightBits, windowOutput } from '../../ir/hardware-ir.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { asyncRomCost, estimateRtl, romCost, type RtlEstimate } from '../estimates/resources.js';
import { describeSpace } from '../../ir/value-space-class.js';
import { type HardwareIR, weightCodeError, weightValue } from '../../ir/hardware-ir.js';
import type { PlanOptions, RomImage, StagePlan } from '../rtl/plan.js';
import { describePlacement } from '../rtl/rom-placement.js';
import { framesPerSecond } from '../estimates/cycles.js';
import { codeEntropy } from '../../quantize/statistics.js';
import { type CompileReport, type LayerReport, type RomReport, type WeightHistogram } from './report-schema.js';
import { DEFAULT_CLOCK_MHZ, paretoFile } from './pareto.js';

export type { CompileReport, LayerReport } from './report-schema.js';

type LayerFields = Omit<LayerReport, 'inputs' | 'estimate' | 'roms'>;

export interface ReportOptions {
  /** Clock for frames per second (MHz; default DEFAULT_CLOCK_MHZ). */
  clockMHz?: number;
  /** The RTL backend's options gen-hw emitted with (the estimate follows them). */
  plan?: PlanOptions;
  /** The plan and estimate of the RTL written beside the report, when the caller has them (else made from `plan`). */
  rtl?: RtlEstimate;
}

/** Per weighted node: how often each weight value occurs, and per channel how much of the code width it uses. */
export function weightHistograms(ir: HardwareIR): WeightHistogram[] {
  return ir.nodes.flatMap((n): WeightHistogram[] => {
    if (n.op !== 'mvu' && n.op !== 'vvu') return [];
    const bits = weightBits(n.weights);
    const counts = new Map<number, number>();
    const codesValues = new Set<number>();
    for (let c = 0; c < 2 ** bits; c++) if (weightCodeError(n.weights, c) === undefined) codesValues.add(weightValue(n.weights, c));
    for (const row of n.weightCodes) for (const code of row) counts.set(weightValue(n.weights, code), (counts.get(weightValue(n.weights, code)) ?? 0) + 1);
    const values = [...new Set([...codesValues, ...counts.keys()])].sort((a, b) => a - b);
    return [
      {
        node: n.name,
        values,
        counts: values.map((v) => counts.get(v) ?? 0),
        channelBitEfficiency: n.weightCodes.map((row) => Math.round((codeEntropy(row) / bits) * 1e4) / 1e4),
        channelLevelsUsed: n.weightCodes.map((row) => Math.round((new Set(row.map((c) => weightValue(n.weights, c))).size / codesValues.size) * 1e4) / 1e4),
        codeBits: bits,
      },
    ];
  });
}

/** The ROMs of one unit of the RTL plan, where they were placed and what each is estimated to cost there. */
export function romReports(st: StagePlan): RomReport[] {
  const one = (rom: string, img: RomImage, asyncPorts = 0): RomReport => ({
    rom,
    file: img.file,
    words: img.depth,
    width: img.width,
    varyingColumns: img.columns.nonConstant,
    distinctColumns: img.columns.distinct,
    requested: img.requested,
    placement: img.placement,
    estimate: img.placement === 'async' ? asyncRomCost(img, asyncPorts) : romCost(img),
  });
  if (st.kind === 'mvu') {
    const out = st.bsearch ? st.tableRoms.map((t, p) => one(`search table p${p}`, t, st.bsLevels)) : [one(st.outKind === 1 ? 'offsets' : 'thresholds', st.paramRom)];
    return [one('weights', st.weightRom), ...out];
  }
  if (st.kind === 'vvu') return [one('weights', st.weightRom), one('thresholds', st.paramRom)];
  if (st.kind === 'add') return [one('thresholds', st.paramRom)];
  return [];
}

export function buildReport(c: Compiled, o: ReportOptions = {}): CompileReport {
  const weighted = new Map(c.graph.layers.flatMap((l) => (l.kind === 'dense' || l.kind === 'conv2d' ? [[l.name, l] as const] : [])));
  const fields: LayerFields[] = c.ir.nodes.map((n) => {
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
  const { plan, estimate: est, latencyCycles } = o.rtl ?? estimateRtl(c.ir, o.plan ?? {});
  const producer = new Map<string, string>(c.ir.nodes.flatMap((n) => n.outputs.map((t) => [t, n.name] as [string, string])));
  const layers: LayerReport[] = fields.map((l, i) => {
    const { luts, ffs, brams, dsps } = est.nodes[i];
    return { ...l, inputs: c.ir.nodes[i].inputs.map((t) => producer.get(t) ?? 'input'), estimate: { luts, ffs, brams, dsps }, roms: romReports(plan.stages[i]) };
  });
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
  const clockMHz = o.clockMHz ?? DEFAULT_CLOCK_MHZ;
  const report: CompileReport = {
    format: 'qtsc-report',
    version: 1,
    model: c.graph.file,
    top: c.ir.top,
    input: { bits: actBits(inputElem(c.ir)), scale: c.ir.input.scale, source: c.graph.inputQuantSource },
    layers,
    expectedCyclesPerFrame: worst.cyclesPerFrame,
    bottleneck: worst.name,
    multipliers: layers.reduce((a, l) => a + l.multipliers, 0),
    clockMHz,
    framesPerSecond: Math.round(framesPerSecond(worst.cyclesPerFrame, clockMHz) * 100) / 100,
    latencyCycles,
    estimate: { total: est.total, glue: est.top },
    weights: weightHistograms(c.ir),
    notes,
  };
  if (c.accuracy) report.accuracy = c.accuracy;
  if (c.onnxruntime) report.onnxruntime = c.onnxruntime;
  if (c.folding) {
    const p = paretoFile(c.folding);
    report.folding = { goal: p.goal, chosen: p.chosen, automatic: p.automatic, front: p.front };
  }
  return report;
}

const pct = (x: number) => (100 * x).toFixed(2) + '%';

const cell = (est: number, meas: number | undefined) => (meas === undefined ? String(est) : `${est} / ${meas}`);

export function reportMarkdown(r: CompileReport): string {
  const m = r.measured;
  const measuredOf = new Map((m?.nodes ?? []).map((n) => [n.name, n]));
  const lines = [
    `# qtsc compile report: ${r.top}`,
    '',
    `Model: \`${r.model}\`  `,
    `Input: ${r.input.bits}-bit unsigned codes, scale ${r.input.scale} (${r.input.source})  `,
    `Expected cycles per frame: ${r.expectedCyclesPerFrame} (bottleneck ${r.bottleneck}), ${r.framesPerSecond} frames/s at ${r.clockMHz} MHz, latency ${r.latencyCycles} cycles (first input word to result, no stalls)  `,
    `Estimated resources (whole design): ${r.estimate.total.luts} LUTs, ${r.estimate.total.ffs} FFs, ${r.estimate.total.brams} RAMB36, ${r.estimate.total.dsps} DSPs` +
      (m ? `; measured (Yosys, ${m.target}): ${m.top.luts} LUTs, ${m.top.ffs} FFs, ${m.top.brams} BRAM, ${m.top.dsps} DSPs, logic depth ${m.top.logicDepth ?? '-'}, fmax ~${m.top.fmaxMHz ?? '-'} MHz` : '') +
      '  ',
    `Multipliers: ${r.multipliers}`,
    '',
    '| layer | engine | value space | MW | MH | PE | SIMD | cycles/frame | in bits | w bits | acc bits | output | mult | buffer |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.layers.map((l) => `| ${l.source} | ${l.engine} | ${l.valueSpace} (${l.valueSpaceSource}) | ${l.mw} | ${l.mh} | ${l.pe} | ${l.simd} | ${l.cyclesPerFrame} | ${l.inputBits} | ${l.weightBits} | ${l.accWidth} | ${l.output} | ${l.multipliers} | ${l.memory ?? ''} |`),
    '',
    m ? `## Resources per node: estimate / measured (Yosys ${m.target})` : '## Resources per node (analytic estimate)',
    '',
    `| node | LUTs | FFs | BRAM36 | DSPs${m ? ' | logic depth | fmax (MHz) |' : ' |'}`,
    `|---|---|---|---|---${m ? '|---|---|' : '|'}`,
    ...r.layers.map((l) => {
      const x = measuredOf.get(l.name);
      return `| ${l.name} | ${cell(l.estimate.luts, x?.luts)} | ${cell(l.estimate.ffs, x?.ffs)} | ${cell(l.estimate.brams, x?.brams)} | ${cell(l.estimate.dsps, x?.dsps)}${m ? ` | ${x?.logicDepth ?? '-'} | ${x?.fmaxMHz ?? '-'} |` : ' |'}`;
    }),
    `| whole design | ${cell(r.estimate.total.luts, m?.top.luts)} | ${cell(r.estimate.total.ffs, m?.top.ffs)} | ${cell(r.estimate.total.brams, m?.top.brams)} | ${cell(r.estimate.total.dsps, m?.top.dsps)}${m ? ` | ${m.top.logicDepth ?? '-'} | ${m.top.fmaxMHz ?? '-'} |` : ' |'}`,
  ];
  const roms = r.layers.flatMap((l) => l.roms.map((rom) => ({ node: l.name, ...rom })));
  if (roms.length) {
    lines.push(
      '',
      '## ROMs',
      '',
      'Where each ROM was placed (`--rom-style`; auto: block RAM or LUTs, whichever is estimated cheaper, docs/rtl.md#roms) and its estimate there.',
      '',
      '| node | ROM | words x bits | varying (distinct) columns | asked | placed | LUTs | FFs | BRAM36 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...roms.map((x) => `| ${x.node} | ${x.rom} | ${x.words} x ${x.width} | ${x.varyingColumns} (${x.distinctColumns}) | ${x.requested} | ${describePlacement(x.placement)} | ${x.estimate.luts} | ${x.estimate.ffs} | ${x.estimate.brams} |`),
    );
  }
  if (m && m.target !== 'xilinx') lines.push('', `The estimates model a Xilinx 7-series fabric (LUT6); the measured ${m.target} figures count that family's cells (docs/report.md), so the two columns are not the same unit.`);
  const cp = m?.top.criticalPath;
  if (cp) {
    lines.push('', `fmax: 1000 / the longest path's delay by the family's cell and route delays (src/backends/report/timing-path.ts; docs/report.md). Whole design: ${cp.delayNs} ns, ${cp.lutLevels} LUT levels, ${cp.through.join(' > ')}, from \`${cp.nets[0]}\` to \`${cp.nets[cp.nets.length - 1]}\`.`);
  } else if (m?.levelDelay) lines.push('', `fmax from logic depth: ${m.levelDelay.fixedNs} ns + ${m.levelDelay.levelNs} ns per level (${m.levelDelay.family}; docs/report.md).`);
  if (m?.ice40) {
    const p = m.ice40;
    lines.push('', '## iCE40 place and route', '');
    if (!p.fits) lines.push(`Does not fit an iCE40 ${p.device.toUpperCase()}: needs ${p.need.luts} LUT4, ${p.need.brams} 4 Kb RAMs, ${p.need.dsps} DSPs; ${p.over ? `${p.over.resource} over by ${p.over.percent}%` : ''}.`);
    else if (p.skipped) lines.push(`Fits an iCE40 ${p.device.toUpperCase()} (${p.need.luts}/${p.have.luts} LUT4); place and route skipped: ${p.skipped}.`);
    else {
      lines.push(`iCE40 ${p.device.toUpperCase()}: fmax ${p.fmaxMHz ?? '-'} MHz (nextpnr-ice40)`, '', '| resource | used | available |', '|---|---|---|');
      for (const [k, v] of Object.entries(p.utilisation ?? {})) if (v.used > 0) lines.push(`| ${k} | ${v.used} | ${v.available} |`);
    }
  }
  if (r.folding) {
    const f = r.folding;
    lines.push('', '## Folding optimizer', '', `Goal: ${Object.entries(f.goal).map(([k, v]) => `${k} ${v}`).join(', ') || 'explore'}; chosen ${f.chosen.cyclesPerFrame} cycles/frame, ~${f.chosen.luts} LUTs; automatic folding ${f.automatic.cyclesPerFrame} cycles/frame, ~${f.automatic.luts} LUTs${f.front.length ? `; Pareto front of ${f.front.length} foldings (pareto.json)` : ''}.`);
  }
  if (r.weights.length) {
    lines.push('', '## Weights', '', '| node | value: count | mean bit efficiency per channel |', '|---|---|---|');
    for (const w of r.weights) {
      const mean = w.channelBitEfficiency.reduce((a, b) => a + b, 0) / Math.max(1, w.channelBitEfficiency.length);
      lines.push(`| ${w.node} | ${w.values.map((v, i) => `${v}: ${w.counts[i]}`).join(', ')} | ${mean.toFixed(3)} of ${w.codeBits} bit(s) |`);
    }
  }
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
