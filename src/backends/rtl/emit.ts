/**
 * RTL backend: writes a HardwareIR as Verilog into a directory.
 *
 *   <top>.sv                      the top (AXI-Stream ports, see stream-format.ts)
 *   <top>_n<i>_<name>.sv          one wrapper per node: qtsc_mvu + ROMs + engine
 *   <top>_n<i>_<name>_dot_{tree,acc}.sv   generated compressor-tree engine (no-multiplier nodes)
 *   qtsc_*.sv                     copies of the hw/ primitives used
 *   qtsc_axis_assert.sv           copy of the stream checker: simulation only (`simSources`)
 *   *.mem                        ROM images read with $readmemh("<bare name>")
 *
 * Every simulator and synthesiser runs with cwd = rtlDir. Output is a pure
 * function of the IR: same IR, same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type HardwareIR, type HwNode, inputLength } from '../../ir/hardware-ir.js';
import { QtscError } from '../../util/errors.js';
import { type NodePlan, type RomImage, type RtlPlan, type PlanOptions, type StagePlan, type WindowPlan, engineCode, planRtl, stageInput } from './plan.js';
import { generatedHeader, hwDir, render, streamCheckerFile } from './templates.js';
import { dotAccVerilog, dotTreeModule, dotTreeVerilog, dotXsumModule, dotXsumVerilog } from './dot-tree.js';

export interface EmittedRtl {
  /** Top module name (= ir.top). */
  top: string;
  /** Verilog files relative to rtlDir, in compile order (dependencies first). */
  sources: string[];
  /** ROM images relative to rtlDir. */
  memFiles: string[];
  /**
   * Simulation-only Verilog in rtlDir, not in `sources` (synthesis, lint and the flows never
   * read it): the stream checker the tops instantiate under `ifdef QTSC_ASSERTIONS.
   */
  simSources: string[];
}

/** Primitives in dependency order. */
const primitiveOrder = [
  'qtsc_axis_frame_check',
  'qtsc_axis_skid',
  'qtsc_axis_width_conv',
  'qtsc_axis_fork',
  'qtsc_axis_fifo',
  'qtsc_thresholds',
  'qtsc_thresholds_bsearch',
  'qtsc_logits',
  'qtsc_term',
  'qtsc_dot_acc',
  'qtsc_mvu',
  'qtsc_vvu',
  'qtsc_add',
  'qtsc_swu',
  'qtsc_pool',
  'qtsc_argmax_collect',
  'qtsc_border_class',
] as const;

function primitivesUsed(plan: RtlPlan): string[] {
  const genericEngine = plan.nodes.some((n) => n.engineFiles.length === 0);
  const bsearch = plan.nodes.some((n) => n.bsearch);
  const used: Record<string, boolean> = {
    qtsc_dot_acc: genericEngine,
    qtsc_term: genericEngine || plan.stages.some((st) => st.kind === 'vvu'),
    qtsc_thresholds_bsearch: bsearch,
    qtsc_vvu: plan.stages.some((st) => st.kind === 'vvu'),
    qtsc_axis_fork: plan.stages.some((st) => st.kind === 'fork'),
    qtsc_axis_fifo: plan.stages.some((st) => st.kind === 'fifo'),
    qtsc_add: plan.stages.some((st) => st.kind === 'add'),
    qtsc_swu: plan.stages.some((st) => (st.kind === 'swu' || st.kind === 'maxpool' || st.kind === 'sumpool') && !st.direct),
    qtsc_pool: plan.stages.some((st) => st.kind === 'maxpool' || st.kind === 'sumpool'),
    qtsc_border_class: plan.stages.some((st) => (st.kind === 'mvu' || st.kind === 'vvu') && st.borders !== null),
  };
  return primitiveOrder.filter((p) => used[p] ?? true);
}

function romText(rom: RomImage): string {
  return `${generatedHeader}\n// ${rom.depth} words x ${rom.width} bits\n${rom.words.join('\n')}\n`;
}

function nodeData(n: NodePlan): object {
  return {
    ...n,
    cycles: n.nf * n.sf,
    accBusWidth: n.pe * n.accWidth,
    weightSingle: n.weightRom.depth === 1,
    paramSingle: n.paramRom.depth === 1,
    paramRomKind: n.bsearch ? 'Threshold search table' : n.outKind === 0 ? 'Threshold ROM' : 'Logit offset ROM',
    mvuParamAddrWidth: Math.max(1, Math.ceil(Math.log2(n.nf))),
    bsPorts: n.bsLevels * n.pe,
    bsEntry: n.cmpWidth + 1,
    bsAddrWidth: n.tableRoms.length > 0 ? n.tableRoms[0].addrWidth : 1,
    bsAddrBus: n.bsLevels * n.pe * (n.tableRoms.length > 0 ? n.tableRoms[0].addrWidth : 1),
    bsDataBus: n.bsLevels * n.pe * (n.cmpWidth + 1),
    engineGenerated: n.engineFiles.length > 0,
    // sign-add trees on unsigned inputs take each word's input sum from the MVU, computed as the word arrives
    xsumModule: n.engineFiles.includes(dotXsumModule(n)) ? dotXsumModule(n) : null,
    engineCode: engineCode[n.engine],
  };
}

/** What the top needs of one stage of the chain, whatever its kind. */
function stageData(st: StagePlan): object {
  if (st.kind === 'mvu') {
    return { ...nodeData(st), describe: `${st.engine}, ${st.mh}x${st.mw}, PE ${st.pe}, SIMD ${st.simd}, ${st.nf * st.sf} cycles per frame`, outElems: st.pe };
  }
  if (st.kind === 'vvu') return { ...st, describe: `depthwise (vvu), ${st.taps} taps x ${st.channels} channels x ${st.multiplier}, SIMD ${st.simd}, ${st.cycles} cycles per frame` };
  if (st.kind === 'fork' || st.kind === 'fifo' || st.kind === 'add') throw new QtscError(`RTL backend: a ${st.kind} unit belongs in a graph top, not a chain`);
  const what = st.kind === 'swu' ? `sliding window ${st.kh}x${st.kw}` : `${st.kind === 'maxpool' ? 'max' : 'sum'} pool ${st.kh}x${st.kw}`;
  return { ...st, describe: `${what}, stride ${st.sh}x${st.sw}, pad [${st.padTop}, ${st.padLeft}, ${st.padBottom}, ${st.padRight}], ${st.ih}x${st.iw}x${st.c} -> ${st.oh}x${st.ow}, SIMD ${st.simd}, ${st.cycles} cycles per frame` };
}

/** What both tops say about the whole design. */
function topCommon(plan: RtlPlan): object {
  return {
    inputDataWidth: plan.inputDataWidth,
    outputDataWidth: plan.outputDataWidth,
    inputPad: plan.inputWidth - plan.inputDataWidth,
    outputPad: plan.outputWidth - plan.outputDataWidth,
    maxCycles: Math.max(...plan.stages.map((st) => (st.kind === 'mvu' ? st.nf * st.sf : st.cycles))),
    // Signed trees are the ones Verilator 5.006 gets wrong without -fno-const-bit-op-tree.
    treeNote: plan.nodes.some((n) => n.engineFiles.length > 0 && n.engine !== 'xnor-popcount'),
  };
}

function topData(plan: RtlPlan): object {
  const nodes = plan.stages.map((st, i) => {
    const next = plan.stages[i + 1];
    return { ...stageData(st), next: next ? { index: next.index, simd: next.simd } : null };
  });
  const first = plan.stages[0];
  if (first.kind === 'vvu' || first.kind === 'fork' || first.kind === 'fifo' || first.kind === 'add') throw new QtscError(`RTL backend: a chain cannot start with a ${first.kind} unit`);
  const inputElemBits = first.kind === 'mvu' ? first.inBits : first.elemBits;
  const inputElems = first.kind === 'mvu' ? first.mw : first.ih * first.iw * first.c;
  return {
    top: plan.top,
    nodeCount: plan.nodes.length,
    windowCount: plan.stages.length - plan.nodes.length,
    inputWidth: plan.inputWidth,
    inputWords: inputElems / first.simd,
    inputSimd: first.simd,
    inputElemBits,
    outputWidth: plan.outputWidth,
    indexBits: plan.indexBits,
    collectorPipelined: plan.collectorPipelined ? 1 : 0,
    logitBits: plan.logitBits,
    ...topCommon(plan),
    nodes,
    checkedStreams: chainStreamChecks(plan),
  };
}

/**
 * A stream between two instances of a top that gets a qtsc_axis_assert
 * (templates/assertions.hbs; s_axis and m_axis are in the template itself).
 */
interface StreamCheck {
  /** Prefix of the stream's _data/_valid/_ready nets; the checker is sva_<name>. */
  name: string;
  width: number;
  /** Printed above the checker: what the stream connects. */
  comment: string;
}

/** The two streams between s_axis and the first unit, in both tops: frame check -> skid -> unit. */
function inputStreamChecks(plan: RtlPlan): StreamCheck[] {
  return [
    { name: 'checked', width: plan.inputDataWidth, comment: 'frame checker -> input skid buffer' },
    { name: 'framed', width: plan.inputDataWidth, comment: 'input skid buffer -> first unit' },
  ];
}

/** Every stream of a chain top: per unit, its input (but the first's, which is framed), output and skid buffer output. */
function chainStreamChecks(plan: RtlPlan): StreamCheck[] {
  const checks = inputStreamChecks(plan);
  plan.stages.forEach((st, i) => {
    if (st.kind === 'fork' || st.kind === 'fifo' || st.kind === 'add') throw new QtscError(`RTL backend: a ${st.kind} unit belongs in a graph top, not a chain`);
    if (st.index > 0) checks.push({ name: `n${st.index}_in`, width: st.inWidth, comment: `width converter -> node ${st.index} '${st.name}'` });
    checks.push(
      { name: `n${st.index}_out`, width: st.outWidth, comment: `node ${st.index} '${st.name}' -> skid buffer` },
      { name: `n${st.index}_reg`, width: st.outWidth, comment: `skid buffer -> ${i + 1 < plan.stages.length ? 'width converter' : 'argmax collector'}` },
    );
  });
  return checks;
}

/** One line saying what a unit of the graph is. */
function stageComment(st: StagePlan): string {
  if (st.kind === 'fork') return `node ${st.index} '${st.name}': fork, SIMD ${st.simd}`;
  if (st.kind === 'fifo') return `node ${st.index} '${st.name}': skip FIFO of ${st.depth} words, SIMD ${st.simd}`;
  if (st.kind === 'add') return `node ${st.index} '${st.name}': add z = ${st.aMul}a + ${st.bMul}b, SIMD ${st.simd}, ${st.cycles} cycles per frame`;
  return `node ${st.index} '${st.name}': ${(stageData(st) as { describe: string }).describe}`;
}

/**
 * The top of a design that is a graph (forks, residual adds): every tensor
 * is a stream from its producer's output port through a skid buffer and a
 * width converter to its consumer's input port.
 */
function topGraphData(ir: HardwareIR, plan: RtlPlan): object {
  const streams: StreamCheck[] = [];
  const instances: Array<{ comment: string; module: string; params: Array<{ name: string; value: string | number }>; inst: string; ports: Array<{ port: string; wire: string }> }> = [];
  const stream = (name: string, width: number, comment: string) => {
    streams.push({ name, width, comment });
    return name;
  };
  const bind = (prefix: string, wire: string, out: boolean) => [
    { port: `${prefix}_data_${out ? 'o' : 'i'}`, wire: `${wire}_data` },
    { port: `${prefix}_valid_${out ? 'o' : 'i'}`, wire: `${wire}_valid` },
    { port: `${prefix}_ready_${out ? 'i' : 'o'}`, wire: `${wire}_ready` },
  ];
  // Consumer-side wire of every tensor; the design input is s_axis itself.
  const consumerWire = new Map<string, string>();
  const first = plan.stages[ir.nodes.findIndex((n) => n.inputs.includes(ir.input.tensor))];
  const fin = stageInput(first);
  const inputStream = stream('in', fin.bits * fin.elems, 'the input: framed under a second name');
  consumerWire.set(ir.input.tensor, inputStream);
  ir.nodes.forEach((n, i) => {
    const st = plan.stages[i];
    n.outputs.forEach((t, k) => {
      if (t === ir.output) return;
      const reader = ir.nodes.findIndex((m) => m.inputs.includes(t));
      const cin = stageInput(plan.stages[reader]);
      const w = st.outElemBits * (st.kind === 'mvu' ? st.pe : st.outElems);
      const base = `t${i}_${k}`;
      stream(`${base}_p`, w, `'${t}': ${st.inst} -> skid buffer`);
      stream(`${base}_r`, w, `'${t}': skid buffer -> width converter`);
      consumerWire.set(t, stream(`${base}_c`, cin.bits * cin.elems, `'${t}': width converter -> ${plan.stages[reader].inst}`));
    });
  });
  const outWire = (n: HwNode, k: number) => `t${ir.nodes.indexOf(n)}_${k}_p`;
  ir.nodes.forEach((n, i) => {
    const st = plan.stages[i];
    const ins = n.inputs.map((t) => consumerWire.get(t)!);
    const ports: Array<{ port: string; wire: string }> = [];
    let module: string;
    let params: Array<{ name: string; value: string | number }> = [];
    if (st.kind === 'fork') {
      module = 'qtsc_axis_fork';
      params = [{ name: 'Width', value: st.outWidth }, { name: 'Buffered', value: 1 }];
      ports.push(...bind('s', ins[0], false), ...bind('a', outWire(n, 0), true), ...bind('b', outWire(n, 1), true));
    } else if (st.kind === 'fifo') {
      module = 'qtsc_axis_fifo';
      params = [{ name: 'Width', value: st.outWidth }, { name: 'Depth', value: st.depth }, { name: 'RamStyle', value: `"${st.ramStyle}"` }];
      ports.push(...bind('s', ins[0], false), ...bind('m', outWire(n, 0), true));
    } else if (st.kind === 'add') {
      module = st.module;
      ports.push(...bind('a', ins[0], false), ...bind('b', ins[1], false), ...bind('m', n.outputs[0] === ir.output ? 'out' : outWire(n, 0), true));
    } else {
      module = st.module;
      ports.push(...bind('s', ins[0], false), ...bind('m', n.outputs[0] === ir.output ? 'out_p' : outWire(n, 0), true));
    }
    instances.push({ comment: stageComment(st), module, params, inst: st.inst, ports });
    // The glue after every output: skid buffer, then width converter to the reader's SIMD.
    n.outputs.forEach((t, k) => {
      if (t === ir.output) return;
      const reader = plan.stages[ir.nodes.findIndex((m) => m.inputs.includes(t))];
      const outElems = st.kind === 'mvu' ? st.pe : st.outElems;
      const base = `t${i}_${k}`;
      instances.push({
        comment: `stream '${t}': skid buffer`,
        module: 'qtsc_axis_skid',
        params: [{ name: 'DataWidth', value: st.outElemBits * outElems }, { name: 'RegType', value: 2 }],
        inst: `${st.inst}_skid${k}`,
        ports: [...bind('s', `${base}_p`, false), ...bind('m', `${base}_r`, true)],
      });
      instances.push({
        comment: `stream '${t}': ${outElems} -> ${stageInput(reader).elems} elements of ${st.outElemBits} bit(s) per word`,
        module: 'qtsc_axis_width_conv',
        params: [{ name: 'ElemBits', value: st.outElemBits }, { name: 'InElems', value: outElems }, { name: 'OutElems', value: stageInput(reader).elems }],
        inst: `${st.inst}_conv${k}`,
        ports: [...bind('s', `${base}_r`, false), ...bind('m', consumerWire.get(t)!, true)],
      });
    });
  });
  // The logits: skid buffer and argmax collector.
  const last = plan.nodes[plan.nodes.length - 1];
  stream('out_p', last.outWidth, `logits: ${last.inst} -> skid buffer`);
  stream('out_r', last.outWidth, 'logits: skid buffer -> argmax collector');
  instances.push({
    comment: 'logits: skid buffer',
    module: 'qtsc_axis_skid',
    params: [{ name: 'DataWidth', value: last.outWidth }, { name: 'RegType', value: 2 }],
    inst: `${last.inst}_skid`,
    ports: [...bind('s', 'out_p', false), ...bind('m', 'out_r', true)],
  });
  instances.push({
    comment: 'argmax collector',
    module: 'qtsc_argmax_collect',
    params: [{ name: 'Classes', value: last.mh }, { name: 'Pe', value: last.pe }, { name: 'LogitWidth', value: last.logitWidth }, { name: 'IndexWidth', value: plan.indexBits }, { name: 'Pipelined', value: plan.collectorPipelined ? 1 : 0 }],
    inst: 'u_collect',
    ports: [
      ...bind('s', 'out_r', false),
      { port: 'm_data_o', wire: 'result_data' },
      { port: 'm_valid_o', wire: 'm_axis_tvalid' },
      { port: 'm_ready_i', wire: 'm_axis_tready' },
    ],
  });
  return {
    top: plan.top,
    unitCount: plan.stages.length,
    nodeCount: plan.nodes.length,
    inputWidth: plan.inputWidth,
    inputWords: inputLength(ir) / fin.elems,
    inputSimd: fin.elems,
    inputElemBits: fin.bits,
    outputWidth: plan.outputWidth,
    indexBits: plan.indexBits,
    logitBits: plan.logitBits,
    ...topCommon(plan),
    inputStream,
    streams,
    instances,
    // the input stream is framed under another name
    checkedStreams: [...inputStreamChecks(plan), ...streams.filter((s) => s.name !== inputStream)],
  };
}

/** All files of the design, name -> contents, and the source order. */
/** `plan`: planRtl(ir, opts), when the caller already made it (gen-hw's estimate does). */
export function renderRtl(ir: HardwareIR, opts: PlanOptions = {}, plan: RtlPlan = planRtl(ir, opts)): { files: Map<string, string>; emitted: EmittedRtl } {
  const files = new Map<string, string>();
  const sources: string[] = [];
  const memFiles: string[] = [];
  for (const prim of primitivesUsed(plan)) {
    const src = fs.readFileSync(path.join(hwDir, `${prim}.sv`), 'utf8');
    files.set(`${prim}.sv`, `${generatedHeader} (copy of hw/${prim}.sv)\n${src}`);
    sources.push(`${prim}.sv`);
  }
  const checker = path.basename(streamCheckerFile);
  files.set(checker, `${generatedHeader} (copy of hw/${checker}, simulation only)\n${fs.readFileSync(streamCheckerFile, 'utf8')}`);
  for (const n of plan.nodes) {
    if (n.engineFiles.length > 0) {
      // the generator of each engine file the plan lists (in compile order)
      const generate: Record<string, (node: NodePlan) => string> = {
        [dotXsumModule(n)]: dotXsumVerilog,
        [dotTreeModule(n)]: dotTreeVerilog,
        [n.engineModule]: dotAccVerilog,
      };
      for (const f of n.engineFiles) {
        files.set(`${f}.sv`, generate[f](n));
        sources.push(`${f}.sv`);
      }
    }
    files.set(`${n.module}.sv`, render('node', nodeData(n)));
    sources.push(`${n.module}.sv`);
    for (const rom of [n.weightRom, ...(n.bsearch ? n.tableRoms : [n.paramRom])]) {
      files.set(rom.file, romText(rom));
      memFiles.push(rom.file);
    }
  }
  for (const st of plan.stages) {
    if (st.kind === 'mvu' || st.kind === 'fork' || st.kind === 'fifo') continue;
    if (st.kind === 'add') {
      files.set(`${st.module}.sv`, render('add', st));
      sources.push(`${st.module}.sv`);
      files.set(st.paramRom.file, romText(st.paramRom));
      memFiles.push(st.paramRom.file);
      continue;
    }
    if (st.kind === 'vvu') {
      files.set(`${st.module}.sv`, render('vvu', st));
      sources.push(`${st.module}.sv`);
      for (const rom of [st.weightRom, st.paramRom]) {
        files.set(rom.file, romText(rom));
        memFiles.push(rom.file);
      }
      continue;
    }
    files.set(`${st.module}.sv`, windowModuleText(st));
    sources.push(`${st.module}.sv`);
  }
  files.set(`${plan.top}.sv`, plan.chain ? render('top', topData(plan)) : render('top-graph', topGraphData(ir, plan)));
  sources.push(`${plan.top}.sv`);
  return { files, emitted: { top: plan.top, sources, memFiles, simSources: [checker] } };
}

export function emitRtl(ir: HardwareIR, rtlDir: string, opts: PlanOptions = {}, plan?: RtlPlan): EmittedRtl {
  if (!fs.existsSync(rtlDir) || !fs.statSync(rtlDir).isDirectory()) throw new QtscError(`RTL directory '${rtlDir}' does not exist`);
  const { files, emitted } = renderRtl(ir, opts, plan);
  for (const [name, text] of files) fs.writeFileSync(path.join(rtlDir, name), text);
  return emitted;
}

/** The Verilog of a sliding-window or pool node's wrapper (templates/window.sv.hbs). */
export function windowModuleText(st: WindowPlan): string {
  return render('window', { ...st, isPool: st.kind !== 'swu', isMax: st.kind === 'maxpool', isScaled: st.poolMode === 2, taps: st.kh * st.kw });
}
