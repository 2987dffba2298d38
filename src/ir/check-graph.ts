/**
 * How the nodes of a hardware IR connect: every problem with edges, shapes
 * and element types, as readable lines naming the node and field. The zod
 * schema checks each node alone; the golden model and the backends rely on
 * both.
 */
import { avgPoolScale } from './avg-pool-scale.js';
import {
  type ActType,
  type AvgPoolScale,
  type ElemType,
  type HardwareIR,
  type HwNode,
  type Shape,
  type TensorInfo,
  shapeSize,
  windowOutput,
} from './hardware-ir.js';
import { borderGeometry } from './border-classes.js';

export function elemName(t: ElemType): string {
  return t.kind === 'bipolar' ? 'bipolar' : `${t.kind}${t.bits}`;
}

export function sameElem(a: ElemType, b: ElemType): boolean {
  return a.kind === b.kind && (a.kind === 'bipolar' || a.bits === (b as { bits: number }).bits);
}

function shapeText(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** The tensor a node writes, from its input tensor and its own fields (or why it cannot). */
export function nodeOutputTensor(n: HwNode, input: TensorInfo): TensorInfo | string {
  const [h, w, c] = input.shape;
  switch (n.op) {
    case 'mvu': {
      if (input.elem.kind === 'sint' || !sameElem(input.elem, n.input)) return `input ${elemName(n.input)} differs from its input tensor's ${elemName(input.elem)}`;
      let shape: Shape;
      if (n.mw === c && n.numVectors === h * w) shape = [h, w, n.mh];
      else if (n.numVectors === 1 && n.mw === h * w * c) shape = [1, 1, n.mh];
      else return `mw ${n.mw} x numVectors ${n.numVectors} does not fit its input tensor ${shapeText(input.shape)} (mw = channels and numVectors = pixels, or one flattened vector)`;
      const elem: ElemType = n.output.kind === 'logits' ? { kind: 'sint', bits: n.output.logitWidth } : n.output.out;
      return { elem, shape };
    }
    case 'fork':
    case 'fifo':
      if (input.elem.kind === 'sint' || !sameElem(input.elem, n.elem)) return `elem ${elemName(n.elem)} differs from its input tensor's ${elemName(input.elem)}`;
      if (c % n.simd !== 0) return `simd ${n.simd} does not divide the ${c} channels`;
      if (n.op === 'fifo' && !(Number.isInteger(n.depth) && n.depth >= 2)) return `depth ${n.depth} must be an integer >= 2`;
      return { elem: n.elem, shape: input.shape };
    case 'add':
      if (input.elem.kind === 'sint' || !sameElem(input.elem, n.a)) return `a ${elemName(n.a)} differs from its first input tensor's ${elemName(input.elem)}`;
      if (c % n.simd !== 0) return `simd ${n.simd} does not divide the ${c} channels`;
      if (n.output.thresholds.length !== c || n.output.negate.length !== c) return `thresholds and negate must have ${c} rows`;
      return { elem: n.output.out, shape: input.shape };
    case 'vvu': {
      if (input.elem.kind === 'sint' || !sameElem(input.elem, n.input)) return `input ${elemName(n.input)} differs from its input tensor's ${elemName(input.elem)}`;
      if (c !== n.taps * n.channels) return `its input tensor ${shapeText(input.shape)} does not hold windows of ${n.taps} taps x ${n.channels} channels`;
      if (n.channels % n.simd !== 0) return `simd ${n.simd} does not divide the ${n.channels} channels`;
      const rows = n.channels * n.multiplier;
      if (n.weightCodes.length !== rows || n.weightCodes.some((r) => r.length !== n.taps)) return `weightCodes must be [${rows}][${n.taps}]`;
      if (n.output.thresholds.length !== rows || n.output.negate.length !== rows) return `thresholds and negate must have ${rows} rows`;
      return { elem: n.output.out, shape: [h, w, rows] };
    }
    case 'swu':
    case 'sumpool':
    case 'maxpool': {
      if (input.elem.kind === 'sint' || !sameElem(input.elem, n.elem)) return `elem ${elemName(n.elem)} differs from its input tensor's ${elemName(input.elem)}`;
      if (c % n.simd !== 0) return `simd ${n.simd} does not divide the ${c} channels`;
      const [kh, kw] = n.window.kernel;
      const pad = n.window.pad;
      if (pad[0] >= kh || pad[2] >= kh || pad[1] >= kw || pad[3] >= kw) return `padding [${pad.join(', ')}] must be smaller than the kernel ${kh}x${kw}`;
      const { oh, ow } = windowOutput(n.window, h, w);
      if (oh < 1 || ow < 1) return `a ${kh}x${kw} window does not fit the ${h}x${w} input with padding [${pad.join(', ')}]`;
      if (n.op === 'swu' && n.elem.kind === 'uint' && !padCodeIsZero(n.elem, n.padCode) && pad.some((p) => p > 0)) {
        return `padCode ${n.padCode} does not stand for 0 in ${elemName(n.elem)} (a padded tap must add nothing)`;
      }
      if (n.op === 'swu' && n.elem.kind === 'bipolar' && n.padCode !== 0 && pad.some((p) => p > 0)) {
        return `padCode ${n.padCode}: a bipolar stream pads with the code of -1 (0), which its reader's border classes correct`;
      }
      if (n.op === 'sumpool') {
        // A bipolar stream has no code for 0: a padded tap would add a -1.
        if (n.elem.kind === 'bipolar' && pad.some((p) => p > 0)) return `a padded sum pool needs unsigned codes (a bipolar stream has no code for 0)`;
        // The scale is derived from the geometry; a hand-written one must match it exactly.
        const scale = n.borderScale;
        if (scale !== undefined) {
          let want: AvgPoolScale;
          try {
            want = avgPoolScale(n.window, h, w);
          } catch (e) {
            return (e as Error).message;
          }
          if (JSON.stringify(scale) !== JSON.stringify(want)) return `borderScale must be ${JSON.stringify(want)} (the lcm scaling of the taps inside the image)`;
        }
        const growth = scale ? scale.divisor : kh * kw;
        const inBits = n.elem.kind === 'uint' ? n.elem.bits : 1;
        if (n.out.kind !== 'uint' || n.out.bits !== inBits + Math.ceil(Math.log2(growth))) return `out must be uint of elem bits + clog2(${growth})`;
        return { elem: n.out, shape: [oh, ow, c] };
      }
      return { elem: input.elem, shape: n.op === 'swu' ? [oh, ow, kh * kw * c] : [oh, ow, c] };
    }
  }
}

/** Whether an activation code stands for the value 0 (no bipolar code does). */
export function padCodeIsZero(t: ActType, code: number): boolean {
  return t.kind === 'uint' && code === 0;
}

export function checkGraph(ir: HardwareIR): string[] {
  const errs: string[] = [];
  const tensors = ir.tensors ?? {};
  const written = new Set<string>();
  const read = new Map<string, string>();
  if (!tensors[ir.input.tensor]) errs.push(`input: tensor '${ir.input.tensor}' is not declared in 'tensors'`);
  else if (tensors[ir.input.tensor].elem.kind === 'sint') errs.push(`input: tensor '${ir.input.tensor}' must hold activation codes (bipolar or uint)`);
  written.add(ir.input.tensor);
  const names = new Set<string>();
  ir.nodes.forEach((n, i) => {
    const at = `field 'nodes.${i}' ('${n.name}')`;
    if (names.has(n.name)) errs.push(`${at}: the name is used twice`);
    names.add(n.name);
    const ins = n.op === 'add' ? 2 : 1;
    const outs = n.op === 'fork' ? 2 : 1;
    if (n.inputs.length !== ins || n.outputs.length !== outs) {
      errs.push(`${at}: a ${n.op} node has ${ins} input and ${outs} output tensor(s)`);
      return;
    }
    for (const tin of n.inputs) {
      if (!written.has(tin)) {
        errs.push(`${at}: input tensor '${tin}' is not written by an earlier node or the design input`);
        return;
      }
      if (read.has(tin)) errs.push(`${at}: tensor '${tin}' is already read by '${read.get(tin)}' (a stream has one reader; a fork node duplicates it)`);
      read.set(tin, n.name);
    }
    const tin = n.inputs[0];
    if (n.op === 'add') {
      const b = tensors[n.inputs[1]];
      if (b.elem.kind === 'sint' || !sameElem(b.elem, n.b)) errs.push(`${at}: b ${elemName(n.b)} differs from its second input tensor's ${elemName(b.elem)}`);
      if (b.shape.some((v, k) => v !== tensors[tin].shape[k])) errs.push(`${at}: its inputs differ in shape (${shapeText(tensors[tin].shape)} and ${shapeText(b.shape)})`);
    }
    for (const tout of n.outputs) {
      if (written.has(tout)) errs.push(`${at}: output tensor '${tout}' is written twice`);
      written.add(tout);
    }
    const tout = n.outputs[0];
    const decl = tensors[tout];
    if (!decl || n.outputs.some((t) => !tensors[t])) {
      errs.push(`${at}: output tensor '${n.outputs.find((t) => !tensors[t])}' is not declared in 'tensors'`);
      return;
    }
    const got = nodeOutputTensor(n, tensors[tin]);
    if (typeof got === 'string') {
      errs.push(`${at}: ${got}`);
      return;
    }
    if (!sameElem(got.elem, decl.elem) || got.shape.some((v, k) => v !== decl.shape[k])) {
      errs.push(`${at}: writes ${elemName(got.elem)} ${shapeText(got.shape)}, but tensor '${tout}' is declared ${elemName(decl.elem)} ${shapeText(decl.shape)}`);
    }
  });
  if (!written.has(ir.output)) errs.push(`output: tensor '${ir.output}' is not written by any node`);
  const last = ir.nodes[ir.nodes.length - 1];
  if (last && !last.outputs.includes(ir.output)) errs.push(`output: tensor '${ir.output}' must be written by the last node`);
  if (last && (last.op !== 'mvu' || last.output.kind !== 'logits')) errs.push(`field 'nodes.${ir.nodes.length - 1}' ('${last.name}'): the last node must be an MVU with a logit stage`);
  ir.nodes.forEach((n, i) => {
    if (n !== last && n.op === 'mvu' && n.output.kind === 'logits') errs.push(`field 'nodes.${i}' ('${n.name}'): only the last node may end in a logit stage`);
  });
  errs.push(...checkBorders(ir));
  for (const [name, t] of Object.entries(tensors)) {
    if (!written.has(name)) errs.push(`tensors: '${name}' is declared but not written`);
    else if (name !== ir.output && !read.has(name)) errs.push(`tensors: '${name}' is written but never read`);
    if (shapeSize(t.shape) > 2 ** 31) errs.push(`tensors: '${name}' has ${shapeSize(t.shape)} elements`);
  }
  return errs;
}

/**
 * A padded window over a bipolar stream must be read by an MVU or VVU whose
 * border classes are the window's (so every padded -1 is corrected), and
 * border classes appear only there, with one threshold table per class.
 */
function checkBorders(ir: HardwareIR): string[] {
  const errs: string[] = [];
  const writer = new Map<string, HwNode>();
  for (const n of ir.nodes) for (const t of n.outputs) writer.set(t, n);
  ir.nodes.forEach((n, i) => {
    const at = `field 'nodes.${i}' ('${n.name}')`;
    const src = writer.get(n.inputs[0]);
    const window = src && src.op === 'swu' && src.elem.kind === 'bipolar' && src.window.pad.some((p) => p > 0) ? src : null;
    const borders = n.op === 'mvu' || n.op === 'vvu' ? n.borders : undefined;
    if (src && window && (n.op === 'mvu' || n.op === 'vvu')) {
      const [ih, iw] = ir.tensors[window.inputs[0]]?.shape ?? [0, 0];
      const g = borderGeometry(window.window, ih, iw);
      const needed = g.rows.padded.length > 1 || g.cols.padded.length > 1;
      if (needed && !borders) {
        errs.push(`${at}: reads the padded ±1 window of '${window.name}' but has no border classes (its padded taps would count as -1)`);
        return;
      }
      if (borders) {
        const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
        if (!same(borders.rowClass, g.rows.cls) || !same(borders.colClass, g.cols.cls) || borders.rowClasses !== g.rows.padded.length || borders.colClasses !== g.cols.padded.length) {
          errs.push(`${at}: field 'borders': its classes differ from those of the window '${window.name}'`);
          return;
        }
      }
    } else if (borders) {
      errs.push(`${at}: field 'borders': only a node reading a padded ±1 window has border classes`);
      return;
    }
    if (!borders || (n.op !== 'mvu' && n.op !== 'vvu')) return;
    const stage = n.output;
    if (stage.kind !== 'thresholds') {
      errs.push(`${at}: field 'borders': needs a threshold stage`);
      return;
    }
    const rows = stage.thresholds.length;
    if (borders.thresholds.length !== borders.rowClasses * borders.colClasses) errs.push(`${at}: field 'borders.thresholds': needs ${borders.rowClasses * borders.colClasses} classes`);
    else if (borders.thresholds.some((t) => t.length !== rows || t.some((r) => r.length !== stage.count))) errs.push(`${at}: field 'borders.thresholds': every class needs [${rows}][${stage.count}] thresholds`);
    else if (borders.thresholds[0].some((r, c) => r.some((v, j) => v !== stage.thresholds[c][j]))) errs.push(`${at}: field 'borders.thresholds': class 0 (the interior) must equal the output stage's thresholds`);
  });
  return errs;
}
