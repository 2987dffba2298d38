/**
 * RTL backend: writes a HardwareIR as Verilog into a directory.
 *
 *   <top>.v                      the top (AXI-Stream ports, see stream-format.ts)
 *   <top>_n<i>_<name>.v          one wrapper per node: qtsc_mvu + ROMs + engine
 *   <top>_n<i>_<name>_dot_{tree,acc}.v   generated compressor-tree engine (no-multiplier nodes)
 *   qtsc_*.v                     copies of the hw/ primitives used
 *   *.mem                        ROM images read with $readmemh("<bare name>")
 *
 * Every simulator and synthesiser runs with cwd = rtlDir. Output is a pure
 * function of the IR: same IR, same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HardwareIR } from '../../ir/hardware-ir.js';
import { QtscError } from '../../util/errors.js';
import { type NodePlan, type RomImage, type RtlPlan, type PlanOptions, type StagePlan, engineCode, planRtl } from './plan.js';
import { generatedHeader, hwDir, render } from './templates.js';
import { dotAccVerilog, dotTreeModule, dotTreeVerilog, dotXsumModule, dotXsumVerilog } from './dot-tree.js';

export interface EmittedRtl {
  /** Top module name (= ir.top). */
  top: string;
  /** Verilog files relative to rtlDir, in compile order (dependencies first). */
  sources: string[];
  /** ROM images relative to rtlDir. */
  memFiles: string[];
}

/** Primitives in dependency order. */
const primitiveOrder = [
  'qtsc_axis_skid',
  'qtsc_axis_width_conv',
  'qtsc_thresholds',
  'qtsc_thresholds_bsearch',
  'qtsc_logits',
  'qtsc_dot_acc',
  'qtsc_mvu',
  'qtsc_vvu',
  'qtsc_swu',
  'qtsc_pool',
  'qtsc_argmax_collect',
] as const;

function primitivesUsed(plan: RtlPlan): string[] {
  const genericEngine = plan.nodes.some((n) => n.engineFiles.length === 0);
  const bsearch = plan.nodes.some((n) => n.bsearch);
  const used: Record<string, boolean> = {
    qtsc_dot_acc: genericEngine,
    qtsc_thresholds_bsearch: bsearch,
    qtsc_vvu: plan.stages.some((st) => st.kind === 'vvu'),
    qtsc_swu: plan.stages.some((st) => (st.kind === 'swu' || st.kind === 'maxpool' || st.kind === 'sumpool') && !st.direct),
    qtsc_pool: plan.stages.some((st) => st.kind === 'maxpool' || st.kind === 'sumpool'),
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
    weightBlock: n.weightRom.style === 'block',
    paramBlock: n.paramRom.style === 'block',
    paramSingle: n.paramRom.depth === 1,
    paramRomKind: n.bsearch ? 'Threshold search table' : n.outKind === 0 ? 'Threshold ROM' : 'Logit offset ROM',
    mvuParamAddrWidth: Math.max(1, Math.ceil(Math.log2(n.nf))),
    bsPorts: n.bsLevels * n.pe,
    bsEntry: n.cmpWidth + 1,
    bsAddrWidth: n.tableRoms.length > 0 ? n.tableRoms[0].addrWidth : 1,
    bsAddrBus: n.bsLevels * n.pe * (n.tableRoms.length > 0 ? n.tableRoms[0].addrWidth : 1),
    bsDataBus: n.bsLevels * n.pe * (n.cmpWidth + 1),
    engineGenerated: n.engineFiles.length > 0,
    engineCode: engineCode[n.engine],
  };
}

/** What the top needs of one stage of the chain, whatever its kind. */
function stageData(st: StagePlan): object {
  if (st.kind === 'mvu') {
    return { ...nodeData(st), describe: `${st.engine}, ${st.mh}x${st.mw}, PE ${st.pe}, SIMD ${st.simd}, ${st.nf * st.sf} cycles per frame`, outElems: st.pe };
  }
  if (st.kind === 'vvu') return { ...st, describe: `depthwise (vvu), ${st.taps} taps x ${st.channels} channels x ${st.multiplier}, SIMD ${st.simd}, ${st.cycles} cycles per frame` };
  const what = st.kind === 'swu' ? `sliding window ${st.kh}x${st.kw}` : `${st.kind === 'maxpool' ? 'max' : 'sum'} pool ${st.kh}x${st.kw}`;
  return { ...st, describe: `${what}, stride ${st.sh}x${st.sw}, pad [${st.padTop}, ${st.padLeft}, ${st.padBottom}, ${st.padRight}], ${st.ih}x${st.iw}x${st.c} -> ${st.oh}x${st.ow}, SIMD ${st.simd}, ${st.cycles} cycles per frame` };
}

function topData(plan: RtlPlan): object {
  const nodes = plan.stages.map((st, i) => {
    const next = plan.stages[i + 1];
    return { ...stageData(st), next: next ? { index: next.index, simd: next.simd } : null };
  });
  const first = plan.stages[0];
  if (first.kind === 'vvu') throw new QtscError('RTL backend: a design cannot start with a depthwise unit (a sliding window feeds it)');
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
    logitBits: plan.logitBits,
    maxCycles: Math.max(...plan.stages.map((st) => (st.kind === 'mvu' ? st.nf * st.sf : st.cycles))),
    // Signed trees are the ones Verilator 5.006 gets wrong without -fno-const-bit-op-tree.
    treeNote: plan.nodes.some((n) => n.engineFiles.length > 0 && n.engine !== 'xnor-popcount'),
    nodes,
  };
}

/** All files of the design, name -> contents, and the source order. */
export function renderRtl(ir: HardwareIR, opts: PlanOptions = {}): { files: Map<string, string>; emitted: EmittedRtl } {
  const plan = planRtl(ir, opts);
  const files = new Map<string, string>();
  const sources: string[] = [];
  const memFiles: string[] = [];
  for (const prim of primitivesUsed(plan)) {
    const src = fs.readFileSync(path.join(hwDir, `${prim}.v`), 'utf8');
    files.set(`${prim}.v`, `${generatedHeader} (copy of hw/${prim}.v)\n${src}`);
    sources.push(`${prim}.v`);
  }
  for (const n of plan.nodes) {
    if (n.engineFiles.length > 0) {
      // the generator of each engine file the plan lists (in compile order)
      const generate: Record<string, (node: NodePlan) => string> = {
        [dotXsumModule(n)]: dotXsumVerilog,
        [dotTreeModule(n)]: dotTreeVerilog,
        [n.engineModule]: dotAccVerilog,
      };
      for (const f of n.engineFiles) {
        files.set(`${f}.v`, generate[f](n));
        sources.push(`${f}.v`);
      }
    }
    files.set(`${n.module}.v`, render('node', nodeData(n)));
    sources.push(`${n.module}.v`);
    for (const rom of [n.weightRom, ...(n.bsearch ? n.tableRoms : [n.paramRom])]) {
      files.set(rom.file, romText(rom));
      memFiles.push(rom.file);
    }
  }
  for (const st of plan.stages) {
    if (st.kind === 'mvu') continue;
    if (st.kind === 'vvu') {
      files.set(`${st.module}.v`, render('vvu', st));
      sources.push(`${st.module}.v`);
      for (const rom of [st.weightRom, st.paramRom]) {
        files.set(rom.file, romText(rom));
        memFiles.push(rom.file);
      }
      continue;
    }
    files.set(`${st.module}.v`, render('window', { ...st, isPool: st.kind !== 'swu', isMax: st.kind === 'maxpool', taps: st.kh * st.kw }));
    sources.push(`${st.module}.v`);
  }
  files.set(`${plan.top}.v`, render('top', topData(plan)));
  sources.push(`${plan.top}.v`);
  return { files, emitted: { top: plan.top, sources, memFiles } };
}

export function emitRtl(ir: HardwareIR, rtlDir: string, opts: PlanOptions = {}): EmittedRtl {
  if (!fs.existsSync(rtlDir) || !fs.statSync(rtlDir).isDirectory()) throw new QtscError(`RTL directory '${rtlDir}' does not exist`);
  const { files, emitted } = renderRtl(ir, opts);
  for (const [name, text] of files) fs.writeFileSync(path.join(rtlDir, name), text);
  return emitted;
}
