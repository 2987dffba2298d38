/**
 * Importer: an ONNX (or QONNX) model file -> Graph IR, the same IR the tfjs
 * importer produces, so every pass, the golden model and the backends work
 * unchanged. docs/model-format.md lists the operators and attributes taken.
 *
 * Layout. ONNX tensors are NCHW; the stream is NHWC. Dimension 0 is the batch
 * (frames are processed one at a time); a frame [C,H,W] is the map [H,W,C],
 * [C,L] is [1,L,C] and [F] is [1,1,F]. Each stream value records, for every
 * element of its ONNX frame, where that element sits in the stream (`order`).
 * Transpose, Reshape and Flatten only rewrite that record, so a Gemm after a
 * Flatten of an NCHW map gets its rows permuted from CHW into the stream's
 * HWC order, once, at import. Convolution kernels OIHW become tfjs'
 * [kh][kw][cin][cout]. Weights are constants: initializers or Constant
 * outputs, possibly behind Transpose, Reshape, Quant and the like, which are
 * folded here.
 */
import { GRAPH_INPUT, type Activation, type Graph, type GraphLayer, type InputQuant } from '../ir/graph-ir.js';
import { QtscError } from '../util/errors.js';
import { showName } from '../util/paths.js';
import { type AttrValue, type OnnxModel, type OnnxNode, type Tensor, readOnnxModel } from './onnx-model.js';
import { broadcastSource, elementwise, numel, reshapeDims, roundHalfEven, transposeSource, transposeTensor } from './onnx-tensors.js';

type Shape3 = [number, number, number];

interface ConstValue {
  kind: 'const';
  t: Tensor;
}

interface StreamValue {
  kind: 'stream';
  /** Graph layer whose output this is (GRAPH_INPUT for the model input). */
  layer: string;
  /** ONNX dims, batch first. */
  dims: number[];
  /** The stream's map [h, w, c]. */
  map: Shape3;
  /** Stream index of every element of the ONNX frame (row-major over dims[1..]). */
  order: Int32Array;
  /** A Clip not yet applied: only a following quantizer that it cannot change may absorb it. */
  clip?: { lo: number; hi: number; node: string };
}

type Value = ConstValue | StreamValue;

export interface OnnxImportOptions {
  inputQuant?: InputQuant;
  /** Graph inputs to treat as constants (the operator tests feed weights as inputs). */
  constantInputs?: Map<string, Tensor>;
}

export interface OnnxImport {
  graph: Graph;
  /** The graph output's ONNX dims (batch first). */
  outputDims: number[];
  /** Stream index of every element of the output frame, ONNX row-major. */
  outputOrder: Int32Array;
  /** ONNX dims of the graph input (batch first). */
  inputDims: number[];
  inputName: string;
}

/** QONNX's custom-op domains (FINN and Brevitas spell them differently). */
const QONNX_DOMAINS = new Set(['qonnx.custom_op.general', 'finn.custom_op.general', 'onnx.brevitas', 'finn']);

/** The map a frame of these dims becomes, or null for rank > 3. */
export function frameMap(frame: readonly number[]): Shape3 | null {
  if (frame.length === 0) return [1, 1, 1];
  if (frame.length === 1) return [1, 1, frame[0]];
  if (frame.length === 2) return [1, frame[1], frame[0]];
  if (frame.length === 3) return [frame[1], frame[2], frame[0]];
  return null;
}

/** The stream position of each element of an ONNX frame [C,H,W] (or [C,L], [F]) on its NHWC map. */
export function channelsLastOrder(frame: readonly number[]): Int32Array {
  const map = frameMap(frame)!;
  const [h, w, c] = map;
  const order = new Int32Array(h * w * c);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) order[(ch * h + y) * w + x] = (y * w + x) * c + ch;
  return order;
}

const sameOrder = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether a stream is an NCHW tensor laid out channels-last on its map, as windows and BatchNorm need. */
function isChannelsLast(v: StreamValue): boolean {
  const m = frameMap(v.dims.slice(1));
  return m !== null && sameShape(m, v.map) && sameOrder(v.order, channelsLastOrder(v.dims.slice(1)));
}

export function importOnnx(file: string, options: OnnxImportOptions = {}): Graph {
  const r = lowerOnnx(readOnnxModel(file), options);
  if (!sameOrder(r.outputOrder, Int32Array.from(r.outputOrder, (_, i) => i))) {
    throw new QtscError(`${file}: graph output: its elements reach the output in another order than ONNX's (a transposed output); end the model in the logits of a Gemm or MatMul`);
  }
  return r.graph;
}

export function lowerOnnx(model: OnnxModel, options: OnnxImportOptions = {}): OnnxImport {
  const file = model.file;
  const values = new Map<string, Value>();
  for (const [name, t] of model.initializers) values.set(name, { kind: 'const', t });
  for (const [name, t] of options.constantInputs ?? []) values.set(name, { kind: 'const', t });
  const streamInputs = model.inputs.filter((i) => !values.has(i.name));
  if (streamInputs.length !== 1) throw new QtscError(`${file}: the graph has ${streamInputs.length} inputs besides its initializers; exactly one is supported`);
  if (model.outputs.length !== 1) throw new QtscError(`${file}: the graph has ${model.outputs.length} outputs; exactly one is supported`);
  const input = streamInputs[0];
  const where0 = `${file}: graph input '${showName(input.name)}'`;
  if (input.dims.length === 0) throw new QtscError(`${where0}: field 'shape': a scalar input has no batch dimension`);
  const inFrame = input.dims.slice(1);
  const inputShape = frameMap(inFrame);
  if (!inputShape || inputShape.some((d) => d < 1)) throw new QtscError(`${where0}: field 'shape': [${input.dims.join(', ')}] is not [N, F], [N, C, L] or [N, C, H, W]`);
  const batch = input.dims[0];
  values.set(input.name, { kind: 'stream', layer: GRAPH_INPUT, dims: input.dims, map: inputShape, order: channelsLastOrder(inFrame) });

  /** How many nodes (and graph outputs) read each value: a layer folded into its producer must be its only reader. */
  const readers = new Map<string, number>();
  for (const n of model.nodes) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of model.outputs) readers.set(o.name, (readers.get(o.name) ?? 0) + 1);

  const layers: GraphLayer[] = [];
  const usedNames = new Set<string>([GRAPH_INPUT]);
  let last = GRAPH_INPUT;
  const layerName = (node: OnnxNode, suffix = ''): string => {
    const base = (node.name.startsWith('#') ? `${node.opType}${node.name.slice(1)}` : node.name) + suffix;
    let name = base;
    for (let k = 2; usedNames.has(name); k++) name = `${base}_${k}`;
    usedNames.add(name);
    return name;
  };
  const emit = (layer: GraphLayer, from: StreamValue): void => {
    if (layer.kind !== 'add' && from.layer !== last) layer.input = from.layer;
    layers.push(layer);
    last = layer.name;
  };

  for (const node of model.nodes) {
    const where = `${file}: node '${showName(node.name)}' (${showName(node.opType)})`;
    const isQonnx = QONNX_DOMAINS.has(node.domain);
    if (node.domain && node.domain !== 'ai.onnx' && !isQonnx) throw new QtscError(`${where}: field 'domain': '${showName(node.domain)}' is not supported (ai.onnx, or QONNX's qonnx.custom_op.general)`);

    const attr = (name: string): AttrValue | undefined => node.attrs.get(name);
    const intAttr = (name: string, dflt: number): number => {
      const v = attr(name);
      if (v === undefined) return dflt;
      if (typeof v !== 'number') throw new QtscError(`${where}: attribute '${name}': must be a number`);
      return v;
    };
    const intsAttr = (name: string): number[] | undefined => {
      const v = attr(name);
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new QtscError(`${where}: attribute '${name}': must be a list of integers`);
      return v as number[];
    };
    const strAttr = (name: string, dflt: string): string => {
      const v = attr(name);
      if (v === undefined) return dflt;
      if (typeof v !== 'string') throw new QtscError(`${where}: attribute '${name}': must be a string`);
      return v;
    };
    const refuseAttrs = (allowed: string[]): void => {
      for (const a of node.attrs.keys()) if (!allowed.includes(a)) throw new QtscError(`${where}: attribute '${a}' is not supported`);
    };
    const valueOf = (k: number): Value | undefined => {
      const name = node.inputs[k];
      if (!name) return undefined;
      const v = values.get(name);
      if (!v) throw new QtscError(`${where}: field 'input[${k}]': '${showName(name)}' is not produced by an earlier node, an initializer or the graph input`);
      return v;
    };
    const constIn = (k: number, field: string): Tensor => {
      const v = valueOf(k);
      if (!v) throw new QtscError(`${where}: field 'input[${k}]' (${field}) is missing`);
      if (v.kind !== 'const') throw new QtscError(`${where}: field 'input[${k}]' (${field}): '${showName(node.inputs[k])}' must be a constant (an initializer or a Constant), not computed from the input`);
      return v.t;
    };
    const optConst = (k: number, field: string): Tensor | undefined => (valueOf(k) ? constIn(k, field) : undefined);
    /** A stream input; a pending Clip is refused unless this op absorbs it. */
    const streamIn = (k: number, absorbsClip = false): StreamValue => {
      const v = valueOf(k);
      if (!v || v.kind !== 'stream') throw new QtscError(`${where}: field 'input[${k}]': must be computed from the graph input`);
      if (v.clip && !absorbsClip) throw clipError(v.clip, `it is read by ${node.opType} '${showName(node.name)}'`);
      return v;
    };
    const setOut = (v: Value, k = 0): void => {
      if (node.outputs[k]) values.set(node.outputs[k], v);
    };
    const onlyFirstOutput = (): void => {
      node.outputs.slice(1).forEach((o, k) => {
        if (o && readers.get(o)) throw new QtscError(`${where}: field 'output[${k + 1}]': '${showName(o)}' is read, but only the first output is supported`);
      });
    };
    const clipError = (c: { lo: number; hi: number; node: string }, why: string) =>
      new QtscError(`${file}: node '${showName(c.node)}' (Clip): clipping to [${c.lo}, ${c.hi}] is supported only as a ReLU (min 0, no max) or right before a quantizer it does not change; ${why}`);
    const allConst = node.inputs.filter((i) => i).every((i) => values.get(i)?.kind === 'const');
    /** A new stream value produced by the layer just emitted. */
    const streamOut = (dims: number[], map: Shape3, order?: Int32Array): StreamValue => ({ kind: 'stream', layer: last, dims, map, order: order ?? channelsLastOrder(dims.slice(1)) });
    const channels = (s: StreamValue, what: string): number => {
      if (!isChannelsLast(s)) throw new QtscError(`${where}: field 'input[0]': ${what} needs an [N, C, ...] tensor in ONNX's own layout; this one was transposed or reshaped`);
      return s.map[2];
    };
    const activation = (act: Activation, from: StreamValue): void => {
      // Consecutive activations merge when the second subsumes the first (ReLU before an unsigned quantizer).
      const prev = layers[layers.length - 1];
      if (prev && prev.kind === 'activation' && prev.name === from.layer && readers.get(node.inputs[0]) === 1) {
        const p = prev.act.fn;
        if ((p === 'relu' && (act.fn === 'quant' || act.fn === 'relu')) || (p === 'quant' && act.fn === 'relu')) {
          if (p === 'relu') prev.act = act;
          setOut({ ...from, clip: undefined });
          return;
        }
      }
      emit({ kind: 'activation', name: layerName(node), act }, from);
      setOut({ ...from, layer: last, clip: undefined });
    };
    const quantActivation = (from: StreamValue, bits: number, step: number): void => {
      const clip = step * (2 ** bits - 1);
      if (from.clip && !(from.clip.lo <= 0 && from.clip.hi >= clip)) {
        throw clipError(from.clip, `the ${bits}-bit quantizer after it, '${showName(node.name)}', saturates at ${clip}`);
      }
      activation({ fn: 'quant', bits, clip }, from);
    };
    const signActivation = (from: StreamValue): void => {
      if (from.clip && !(from.clip.lo < 0 && from.clip.hi >= 0)) throw clipError(from.clip, `the sign '${showName(node.name)}' after it would see a different sign`);
      activation({ fn: 'sign' }, from);
    };

    switch (node.opType) {
      case 'Constant': {
        refuseAttrs(['value', 'value_float', 'value_floats', 'value_int', 'value_ints']);
        const v = attr('value') ?? attr('value_float') ?? attr('value_floats') ?? attr('value_int') ?? attr('value_ints');
        if (v === undefined) throw new QtscError(`${where}: attribute 'value': missing (sparse and string constants are not supported)`);
        if (typeof v === 'number') setOut({ kind: 'const', t: { dims: [], data: Float64Array.of(v) } });
        else if (Array.isArray(v)) setOut({ kind: 'const', t: { dims: [v.length], data: Float64Array.from(v as number[]) } });
        else if (typeof v === 'string') throw new QtscError(`${where}: attribute 'value': a string constant is not supported`);
        else setOut({ kind: 'const', t: v });
        break;
      }
      case 'Identity':
      case 'Dropout': {
        if (node.opType === 'Dropout') {
          onlyFirstOutput();
          if (node.inputs[2] && values.get(node.inputs[2])?.kind === 'const' && constIn(2, 'training_mode').data[0]) throw new QtscError(`${where}: field 'input[2]' (training_mode): must be false`);
        }
        setOut(valueOf(0)!);
        break;
      }
      case 'Cast': {
        const v = valueOf(0)!;
        const to = intAttr('to', 1);
        if (v.kind === 'const') setOut(to === 1 || to === 11 ? v : { kind: 'const', t: { dims: v.t.dims, data: v.t.data.map(Math.trunc) } });
        else if (to === 1 || to === 11) setOut(v);
        else throw new QtscError(`${where}: attribute 'to': casting the stream to type ${to} is not supported (float only)`);
        break;
      }
      case 'Shape': {
        const v = valueOf(0)!;
        const dims = v.kind === 'const' ? v.t.dims : v.dims;
        const start = intAttr('start', 0);
        const end = intAttr('end', dims.length);
        const kept = dims.slice(start, end);
        setOut({ kind: 'const', t: { dims: [kept.length], data: Float64Array.from(kept) } });
        break;
      }
      case 'Transpose': {
        const v = valueOf(0)!;
        const rank = v.kind === 'const' ? v.t.dims.length : v.dims.length;
        const perm = intsAttr('perm') ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
        if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) throw new QtscError(`${where}: attribute 'perm': [${perm.join(', ')}] is not a permutation of ${rank} axes`);
        if (v.kind === 'const') {
          setOut({ kind: 'const', t: transposeTensor(v.t, perm) });
          break;
        }
        const s = streamIn(0);
        if (perm[0] !== 0) throw new QtscError(`${where}: attribute 'perm': [${perm.join(', ')}] moves the batch axis`);
        const framePerm = perm.slice(1).map((p) => p - 1);
        const { dims, source } = transposeSource(s.dims.slice(1), framePerm);
        setOut({ ...s, dims: [s.dims[0], ...dims], order: Int32Array.from(source, (i) => s.order[i]) });
        break;
      }
      case 'Reshape':
      case 'Flatten':
      case 'Squeeze':
      case 'Unsqueeze': {
        const v = valueOf(0)!;
        const dims = v.kind === 'const' ? v.t.dims : v.dims;
        let target: number[];
        if (node.opType === 'Reshape') {
          refuseAttrs(['allowzero']);
          const r = reshapeDims(dims, Array.from(constIn(1, 'shape').data), intAttr('allowzero', 0) === 1);
          if (typeof r === 'string') throw new QtscError(`${where}: field 'input[1]' (shape): ${r}`);
          target = r;
        } else if (node.opType === 'Flatten') {
          refuseAttrs(['axis']);
          let axis = intAttr('axis', 1);
          if (axis < 0) axis += dims.length;
          if (axis < 0 || axis > dims.length) throw new QtscError(`${where}: attribute 'axis': ${axis} is out of range for rank ${dims.length}`);
          target = [numel(dims.slice(0, axis)), numel(dims.slice(axis))];
        } else {
          const axesIn = node.inputs[1] ? Array.from(constIn(1, 'axes').data) : intsAttr('axes');
          const outRank = node.opType === 'Unsqueeze' ? dims.length + (axesIn?.length ?? 0) : dims.length;
          const axes = (axesIn ?? dims.flatMap((d, k) => (d === 1 ? [k] : []))).map((a) => (a < 0 ? a + outRank : a));
          if (node.opType === 'Squeeze') target = dims.filter((d, k) => !axes.includes(k) || d !== 1);
          else {
            target = [];
            let src = 0;
            for (let k = 0; k < outRank; k++) target.push(axes.includes(k) ? 1 : dims[src++]);
          }
        }
        if (v.kind === 'const') {
          setOut({ kind: 'const', t: { dims: target, data: v.t.data } });
          break;
        }
        const s = streamIn(0);
        if (target.length === 0 || target[0] !== s.dims[0]) throw new QtscError(`${where}: the result [${target.join(', ')}] does not keep the batch dimension ${s.dims[0]} first`);
        let map = s.map;
        if (target.length <= 2 && map[0] * map[1] > 1) {
          // A vector from a map: the stream order is kept (a Gemm after it permutes its rows instead).
          emit({ kind: 'flatten', name: layerName(node), inShape: map }, s);
          map = [1, 1, numel(map)];
          setOut({ ...s, layer: last, dims: target, map });
        } else setOut({ ...s, dims: target });
        break;
      }
      case 'Gather':
      case 'Concat':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Neg':
      case 'Sqrt':
      case 'Pow': {
        if (!allConst) throw new QtscError(`${where}: ${node.opType} is supported on constants only (shapes and weights); on the stream it is not a layer qtsc compiles`);
        const a = constIn(0, 'A');
        let out: Tensor | null = null;
        if (node.opType === 'Neg') out = { dims: a.dims, data: a.data.map((x) => -x) };
        else if (node.opType === 'Sqrt') out = { dims: a.dims, data: a.data.map(Math.sqrt) };
        else if (node.opType === 'Concat') {
          const parts = node.inputs.map((_, k) => constIn(k, `inputs[${k}]`));
          let axis = intAttr('axis', 0);
          if (axis < 0) axis += a.dims.length;
          if (axis !== 0 || parts.some((p) => p.dims.length !== 1)) throw new QtscError(`${where}: attribute 'axis': only 1-D constants (shapes) are concatenated`);
          out = { dims: [parts.reduce((n, p) => n + p.data.length, 0)], data: Float64Array.from(parts.flatMap((p) => Array.from(p.data))) };
        } else if (node.opType === 'Gather') {
          const idx = constIn(1, 'indices');
          if (intAttr('axis', 0) !== 0 || a.dims.length !== 1) throw new QtscError(`${where}: attribute 'axis': only gathering from 1-D constants (shapes) is supported`);
          out = { dims: idx.dims, data: idx.data.map((i) => a.data[i < 0 ? i + a.data.length : i]) };
        } else {
          const b = constIn(1, 'B');
          const f = { Sub: (x: number, y: number) => x - y, Mul: (x: number, y: number) => x * y, Div: (x: number, y: number) => x / y, Pow: (x: number, y: number) => x ** y }[node.opType]!;
          out = elementwise(a, b, f);
          if (!out) throw new QtscError(`${where}: shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}] do not broadcast`);
        }
        setOut({ kind: 'const', t: out });
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const s = streamIn(0);
        const frame = s.dims.slice(1);
        if (frame.length !== 1) throw new QtscError(`${where}: field 'input[0]': [${s.dims.join(', ')}] must be [N, K] (flatten a map first)`);
        const K = frame[0];
        const B = constIn(1, 'B');
        let transB = false;
        let alpha = 1;
        let beta = 1;
        if (node.opType === 'Gemm') {
          refuseAttrs(['alpha', 'beta', 'transA', 'transB']);
          if (intAttr('transA', 0) !== 0) throw new QtscError(`${where}: attribute 'transA': the stream operand cannot be transposed`);
          transB = intAttr('transB', 0) === 1;
          alpha = Number(attr('alpha') ?? 1);
          beta = Number(attr('beta') ?? 1);
        }
        if (B.dims.length !== 2) throw new QtscError(`${where}: field 'input[1]' (B): dims [${B.dims.join(', ')}] must be 2-D`);
        const [r0, c0] = B.dims;
        const [rows, units] = transB ? [c0, r0] : [r0, c0];
        if (rows !== K) throw new QtscError(`${where}: field 'input[1]' (B): dims [${B.dims.join(', ')}]${transB ? ' (transposed)' : ''} take ${rows} inputs, the input has ${K}`);
        const kernel = new Float32Array(K * units);
        for (let i = 0; i < K; i++) {
          const r = s.order[i];
          for (let j = 0; j < units; j++) kernel[r * units + j] = alpha * (transB ? B.data[j * K + i] : B.data[i * units + j]);
        }
        let bias: Float32Array | null = null;
        const C = node.opType === 'Gemm' ? optConst(2, 'C') : undefined;
        if (C) {
          const src = C.dims.length <= 2 && (C.dims.length < 2 || C.dims[0] === 1) ? broadcastSource(C.dims.length === 2 ? [C.dims[1]] : C.dims, [units]) : null;
          if (!src) throw new QtscError(`${where}: field 'input[2]' (C): dims [${C.dims.join(', ')}] must broadcast to [${units}] (one bias per output, the same for every batch row)`);
          bias = Float32Array.from(src, (k) => beta * C.data[k]);
        }
        emit({ kind: 'dense', name: layerName(node), inFeatures: K, units, kernel, bias, valueSpace: null, valueSpaceSource: 'none' }, s);
        setOut(streamOut([s.dims[0], units], [1, 1, units]));
        break;
      }
      case 'Add': {
        const a = valueOf(0)!;
        const b = valueOf(1)!;
        if (a.kind === 'const' && b.kind === 'const') {
          setOut({ kind: 'const', t: elementwise(a.t, b.t, (x, y) => x + y)! });
          break;
        }
        if (a.kind === 'stream' && b.kind === 'stream') {
          const sa = streamIn(0);
          const sb = streamIn(1);
          if (!sameShape(sa.dims, sb.dims) || !sameShape(sa.map, sb.map) || !sameOrder(sa.order, sb.order)) {
            throw new QtscError(`${where}: adds tensors [${sa.dims.join(', ')}] and [${sb.dims.join(', ')}]; they must have one shape and one layout`);
          }
          emit({ kind: 'add', name: layerName(node), inputs: [sa.layer, sb.layer], shape: sa.map }, sa);
          setOut({ ...sa, layer: last });
          break;
        }
        // A constant added to the output of a weighted layer is its bias.
        const k = a.kind === 'stream' ? 0 : 1;
        const s = streamIn(k);
        const c = constIn(1 - k, 'bias');
        const producer = layers[layers.length - 1];
        const intoBias = producer && producer.name === s.layer && readers.get(node.inputs[k]) === 1 && (producer.kind === 'dense' || producer.kind === 'conv2d' || producer.kind === 'depthwise');
        const out = s.map[2];
        const src = broadcastSource(c.dims, s.dims.map((d, j) => (j === 0 ? 1 : d)));
        if (!src) throw new QtscError(`${where}: field 'input[${1 - k}]': dims [${c.dims.join(', ')}] do not broadcast to one frame [${s.dims.map((d, j) => (j === 0 ? 1 : d)).join(', ')}]`);
        const perChannel = new Float64Array(out).fill(NaN);
        for (let i = 0; i < src.length; i++) {
          const ch = s.order[i] % out;
          const v = c.data[src[i]];
          if (Number.isNaN(perChannel[ch])) perChannel[ch] = v;
          else if (perChannel[ch] !== v) throw new QtscError(`${where}: field 'input[${1 - k}]': the constant varies within a channel of the stream; only one value per channel (a bias) is supported`);
        }
        if (intoBias) {
          const bias = producer.bias ?? new Float32Array(out);
          producer.bias = Float32Array.from(bias, (v, ch) => v + perChannel[ch]);
          setOut(s);
        } else {
          // Elsewhere, a per-channel shift is a BatchNorm with unit scale (exact: variance 1, epsilon 0).
          emit({ kind: 'batchnorm', name: layerName(node), gamma: new Float32Array(out).fill(1), beta: Float32Array.from(perChannel), mean: new Float32Array(out), variance: new Float32Array(out).fill(1), epsilon: 0 }, s);
          setOut({ ...s, layer: last });
        }
        break;
      }
      case 'Conv': {
        refuseAttrs(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
        const s = streamIn(0);
        if (s.dims.length !== 4) throw new QtscError(`${where}: field 'input[0]': [${s.dims.join(', ')}] is not [N, C, H, W] (only 2-D convolutions are supported)`);
        const cin = channels(s, 'a convolution');
        const W = constIn(1, 'W');
        if (W.dims.length !== 4) throw new QtscError(`${where}: field 'input[1]' (W): dims [${W.dims.join(', ')}] must be [M, C/group, kH, kW]`);
        const [M, wc, kh, kw] = W.dims;
        const group = intAttr('group', 1);
        const g = windowAttrs(s.map, [kh, kw], 1);
        let layer: GraphLayer;
        const name = layerName(node);
        const Bt = optConst(2, 'B');
        if (Bt && (Bt.data.length !== M)) throw new QtscError(`${where}: field 'input[2]' (B): ${Bt.data.length} values for ${M} output channels`);
        const bias = Bt ? Float32Array.from(Bt.data) : null;
        if (group === 1) {
          if (wc !== cin) throw new QtscError(`${where}: field 'input[1]' (W): dims [${W.dims.join(', ')}] take ${wc} input channels, the input has ${cin}`);
          const kernel = new Float32Array(kh * kw * cin * M);
          for (let o = 0; o < M; o++) for (let c = 0; c < cin; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) kernel[((y * kw + x) * cin + c) * M + o] = W.data[((o * cin + c) * kh + y) * kw + x];
          layer = { kind: 'conv2d', name, inShape: s.map, filters: M, kernelSize: [kh, kw], strides: g.strides, pad: g.pad, kernel, bias, valueSpace: null, valueSpaceSource: 'none' };
        } else if (group === cin && wc === 1 && M % cin === 0) {
          const m = M / cin;
          const kernel = new Float32Array(kh * kw * cin * m);
          for (let o = 0; o < M; o++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) kernel[(y * kw + x) * M + o] = W.data[(o * kh + y) * kw + x];
          layer = { kind: 'depthwise', name, inShape: s.map, multiplier: m, kernelSize: [kh, kw], strides: g.strides, pad: g.pad, kernel, bias, valueSpace: null, valueSpaceSource: 'none' };
        } else {
          throw new QtscError(`${where}: attribute 'group': ${group} is not supported (1, or the ${cin} input channels for a depthwise convolution)`);
        }
        emit(layer, s);
        setOut(streamOut([s.dims[0], M, g.out[0], g.out[1]], [g.out[0], g.out[1], M]));
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        refuseAttrs(['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides', 'storage_order', 'count_include_pad']);
        if (node.opType === 'MaxPool') onlyFirstOutput();
        const s = streamIn(0);
        if (s.dims.length !== 4) throw new QtscError(`${where}: field 'input[0]': [${s.dims.join(', ')}] is not [N, C, H, W] (only 2-D pooling is supported)`);
        const c = channels(s, 'pooling');
        const k = intsAttr('kernel_shape');
        if (!k || k.length !== 2) throw new QtscError(`${where}: attribute 'kernel_shape': must give two sizes`);
        // Max pooling's padded taps never win, so ceil_mode's partial windows are more padding at the end.
        const g = windowAttrs(s.map, [k[0], k[1]], 1, node.opType === 'MaxPool');
        if (node.opType === 'AveragePool') {
          // count_include_pad 1: padded taps are zeros that count (divisor kh*kw); 0: a border window divides by its taps inside.
          const countPadded = intAttr('count_include_pad', 0);
          if (countPadded !== 0 && countPadded !== 1) throw new QtscError(`${where}: attribute 'count_include_pad': ${countPadded} is not 0 or 1`);
          emit({ kind: 'avgpool', name: layerName(node), inShape: s.map, poolSize: [k[0], k[1]], strides: g.strides, pad: g.pad, countPadded: countPadded === 1, global: false }, s);
        } else emit({ kind: 'maxpool', name: layerName(node), inShape: s.map, poolSize: [k[0], k[1]], strides: g.strides, pad: g.pad }, s);
        setOut(streamOut([s.dims[0], c, g.out[0], g.out[1]], [g.out[0], g.out[1], c]));
        break;
      }
      case 'GlobalAveragePool': {
        const s = streamIn(0);
        if (s.dims.length !== 4) throw new QtscError(`${where}: field 'input[0]': [${s.dims.join(', ')}] is not [N, C, H, W]`);
        const c = channels(s, 'pooling');
        const [h, w] = s.map;
        emit({ kind: 'avgpool', name: layerName(node), inShape: s.map, poolSize: [h, w], strides: [h, w], pad: [0, 0, 0, 0], countPadded: false, global: true }, s);
        setOut(streamOut([s.dims[0], c, 1, 1], [1, 1, c]));
        break;
      }
      case 'BatchNormalization': {
        refuseAttrs(['epsilon', 'momentum', 'training_mode', 'spatial']);
        onlyFirstOutput();
        if (intAttr('training_mode', 0) !== 0) throw new QtscError(`${where}: attribute 'training_mode': must be 0 (an inference graph)`);
        const s = streamIn(0);
        const c = channels(s, 'batch normalization');
        const [scale, bias, mean, variance] = ['scale', 'B', 'input_mean', 'input_var'].map((f, k) => {
          const t = constIn(k + 1, f);
          if (t.data.length !== c) throw new QtscError(`${where}: field 'input[${k + 1}]' (${f}): ${t.data.length} values for ${c} channels`);
          return Float32Array.from(t.data);
        });
        const epsilon = Number(attr('epsilon') ?? 1e-5);
        variance.forEach((v, i) => {
          if (!(v >= 0) || !(v + epsilon > 0)) throw new QtscError(`${where}: field 'input[4]' (input_var): value ${v} at index [${i}] (plus epsilon ${epsilon}) is not a positive variance`);
        });
        emit({ kind: 'batchnorm', name: layerName(node), gamma: scale, beta: bias, mean, variance, epsilon }, s);
        setOut({ ...s, layer: last });
        break;
      }
      case 'Relu': {
        const s = streamIn(0, true);
        if (s.clip) {
          const lo = Math.max(0, s.clip.lo);
          if (s.clip.hi === Infinity) activation({ fn: 'relu' }, s);
          else setOut({ ...s, clip: { ...s.clip, lo } });
        } else activation({ fn: 'relu' }, s);
        break;
      }
      case 'Clip': {
        const s = streamIn(0, true);
        const lo = Math.max(optConst(1, 'min')?.data[0] ?? -Infinity, s.clip?.lo ?? -Infinity);
        const hi = Math.min(optConst(2, 'max')?.data[0] ?? Infinity, s.clip?.hi ?? Infinity);
        if (lo === 0 && hi === Infinity) activation({ fn: 'relu' }, s);
        else if (lo === -Infinity && hi === Infinity) setOut(s);
        else setOut({ ...s, clip: { lo, hi, node: node.name } });
        break;
      }
      case 'Sign':
        signActivation(streamIn(0, true));
        break;
      case 'Softmax': {
        const s = streamIn(0);
        if (s.dims.length !== 2) throw new QtscError(`${where}: field 'input[0]': softmax over [${s.dims.join(', ')}]; only over the logits [N, K]`);
        activation({ fn: 'softmax' }, s);
        break;
      }
      case 'Quant':
      case 'BipolarQuant': {
        if (!isQonnx) throw new QtscError(`${where}: field 'domain': ${node.opType} is QONNX's (domain qonnx.custom_op.general)`);
        const scale = constIn(1, 'scale');
        let bits = 1;
        let zeropt: Tensor = { dims: [], data: Float64Array.of(0) };
        let signed = 1;
        let narrow = 0;
        if (node.opType === 'Quant') {
          refuseAttrs(['signed', 'narrow', 'rounding_mode']);
          zeropt = constIn(2, 'zeropt');
          const bw = constIn(3, 'bitwidth');
          bits = bw.data[0];
          if (bw.data.length !== 1 || !Number.isInteger(bits) || bits < 1 || bits > 16) throw new QtscError(`${where}: field 'input[3]' (bitwidth): must be one integer in 1..16`);
          signed = intAttr('signed', 1);
          narrow = intAttr('narrow', 0);
          const mode = strAttr('rounding_mode', 'ROUND');
          if (mode !== 'ROUND') throw new QtscError(`${where}: attribute 'rounding_mode': '${showName(mode)}' is not supported (ROUND)`);
        }
        const v = valueOf(0)!;
        if (v.kind === 'const') {
          setOut({ kind: 'const', t: quantizeConst(v.t, scale, zeropt, node.opType === 'BipolarQuant' ? null : { bits, signed: signed === 1, narrow: narrow === 1 }, where) });
          break;
        }
        const s = streamIn(0, true);
        const step = scale.data[0];
        if (!scale.data.every((x) => x === step) || !(step > 0)) throw new QtscError(`${where}: field 'input[1]' (scale): an activation quantizer needs one positive scale for all channels`);
        if (node.opType === 'BipolarQuant') {
          if (step !== 1) throw new QtscError(`${where}: field 'input[1]' (scale): a ±1 activation needs scale 1, not ${step}`);
          signActivation(s);
          break;
        }
        if (!zeropt.data.every((z) => z === 0)) throw new QtscError(`${where}: field 'input[2]' (zeropt): an activation quantizer needs zero point 0`);
        if (signed !== 0) throw new QtscError(`${where}: attribute 'signed': a signed activation quantizer is not supported (signed=0, after a ReLU; or BipolarQuant for ±1)`);
        if (narrow !== 0) throw new QtscError(`${where}: attribute 'narrow': must be 0 for an activation quantizer`);
        quantActivation(s, bits, step);
        break;
      }
      case 'MultiThreshold': {
        // y = out_scale * #{k : x >= T[c][k]} + out_bias. qtsc's quantizer has evenly spaced levels
        // at s*(k - 1/2): evenly spaced thresholds per channel become a per-channel affine map
        // (a BatchNorm with unit variance) onto them; one threshold with out_scale 2, out_bias -1 is a sign.
        if (!isQonnx) throw new QtscError(`${where}: field 'domain': MultiThreshold is QONNX's (domain qonnx.custom_op.general)`);
        refuseAttrs(['out_dtype', 'out_scale', 'out_bias', 'data_layout']);
        const s = streamIn(0);
        if (strAttr('data_layout', 'NCHW') !== 'NCHW') throw new QtscError(`${where}: attribute 'data_layout': only NCHW is supported`);
        const c = channels(s, 'MultiThreshold');
        const T = constIn(1, 'thresholds');
        if (T.dims.length !== 2 || (T.dims[0] !== c && T.dims[0] !== 1)) throw new QtscError(`${where}: field 'input[1]' (thresholds): dims [${T.dims.join(', ')}] must be [${c}, B] or [1, B]`);
        const B = T.dims[1];
        const bits = Math.log2(B + 1);
        if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new QtscError(`${where}: field 'input[1]' (thresholds): ${B} thresholds per channel; qtsc's quantizers have 2^bits - 1 (1, 3, 7, 15, ...)`);
        const outScale = Number(attr('out_scale') ?? 1);
        const outBias = Number(attr('out_bias') ?? 0);
        const row = (ch: number) => Array.from(T.data.subarray((T.dims[0] === 1 ? 0 : ch) * B, (T.dims[0] === 1 ? 0 : ch) * B + B));
        const bipolar = B === 1 && outScale === 2 && outBias === -1;
        if (!bipolar && (outBias !== 0 || !(outScale > 0))) throw new QtscError(`${where}: attribute 'out_bias': ${outBias} with out_scale ${outScale} is not supported (out_bias 0 and out_scale > 0, or one threshold with out_scale 2 and out_bias -1 for ±1)`);
        const gamma = new Float32Array(c);
        const mean = new Float32Array(c);
        for (let ch = 0; ch < c; ch++) {
          const t = row(ch);
          const d = B === 1 ? 1 : (t[B - 1] - t[0]) / (B - 1);
          if (!(d > 0) || t.some((v, k) => Math.abs(v - (t[0] + k * d)) > 1e-6 * Math.max(1, Math.abs(v)))) {
            throw new QtscError(`${where}: field 'input[1]' (thresholds): channel ${ch}'s thresholds [${t.join(', ')}] are not evenly spaced and increasing; qtsc's quantizer levels are`);
          }
          gamma[ch] = bipolar ? 1 : outScale / d;
          mean[ch] = t[0];
        }
        const beta = new Float32Array(c).fill(bipolar ? 0 : outScale / 2);
        emit({ kind: 'batchnorm', name: layerName(node, '/affine'), gamma, beta, mean, variance: new Float32Array(c).fill(1), epsilon: 0 }, s);
        const affine: StreamValue = { ...s, layer: last };
        if (bipolar) emit({ kind: 'activation', name: layerName(node), act: { fn: 'sign' } }, affine);
        else emit({ kind: 'activation', name: layerName(node), act: { fn: 'quant', bits, clip: outScale * B } }, affine);
        setOut({ ...s, layer: last });
        break;
      }
      default:
        throw new QtscError(`${where}: field 'op_type': operator '${showName(node.opType)}' is not supported (see docs/model-format.md)`);
    }

    /** Window attributes (kernel_shape, strides, pads, auto_pad, dilations, ceil_mode) resolved on the map. */
    function windowAttrs(map: Shape3, kernel: [number, number], dflt: number, ceilAsPadding = false): { strides: [number, number]; pad: [number, number, number, number]; out: [number, number] } {
      const ks = intsAttr('kernel_shape');
      if (ks && (ks.length !== 2 || ks[0] !== kernel[0] || ks[1] !== kernel[1])) throw new QtscError(`${where}: attribute 'kernel_shape': [${ks.join(', ')}] differs from the weights' ${kernel.join('x')}`);
      const dil = intsAttr('dilations');
      if (dil && dil.some((d) => d !== 1)) throw new QtscError(`${where}: attribute 'dilations': [${dil.join(', ')}]: dilated windows are not supported`);
      const st = intsAttr('strides') ?? [dflt, dflt];
      if (st.length !== 2 || st.some((x) => !Number.isInteger(x) || x < 1)) throw new QtscError(`${where}: attribute 'strides': [${st.join(', ')}] must be two positive integers`);
      const strides: [number, number] = [st[0], st[1]];
      const autoPad = strAttr('auto_pad', 'NOTSET');
      let pad: [number, number, number, number];
      if (autoPad === 'NOTSET') {
        const p = intsAttr('pads') ?? [0, 0, 0, 0];
        if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0)) throw new QtscError(`${where}: attribute 'pads': [${p.join(', ')}] must be four sizes >= 0`);
        pad = [p[0], p[1], p[2], p[3]];
      } else if (autoPad === 'VALID') pad = [0, 0, 0, 0];
      else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
        const axis = (size: number, k: number, s: number): [number, number] => {
          const total = Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
          const small = Math.floor(total / 2);
          return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
        };
        const [t, b] = axis(map[0], kernel[0], strides[0]);
        const [l, r] = axis(map[1], kernel[1], strides[1]);
        pad = [t, l, b, r];
      } else throw new QtscError(`${where}: attribute 'auto_pad': '${showName(autoPad)}' is not supported`);
      const size = (n: number, k: number, s: number, before: number, after: number, ceil: boolean) => (ceil ? Math.ceil : Math.floor)((n + before + after - k) / s) + 1;
      const out: [number, number] = [size(map[0], kernel[0], strides[0], pad[0], pad[2], false), size(map[1], kernel[1], strides[1], pad[1], pad[3], false)];
      if (intAttr('ceil_mode', 0) === 1) {
        // ONNX drops a last window that would start in the end padding.
        const ceil = [0, 1].map((a) => {
          const n = size(map[a], kernel[a], strides[a], pad[a], pad[a + 2], true);
          return (n - 1) * strides[a] >= map[a] + pad[a] ? n - 1 : n;
        });
        if (ceilAsPadding) {
          for (const a of [0, 1]) {
            pad[a + 2] += Math.max(0, (ceil[a] - 1) * strides[a] + kernel[a] - (map[a] + pad[a] + pad[a + 2]));
            out[a] = ceil[a];
          }
        } else if (ceil[0] !== out[0] || ceil[1] !== out[1]) throw new QtscError(`${where}: attribute 'ceil_mode': 1 adds a partial window here (${ceil.join('x')} instead of ${out.join('x')}), which is not supported`);
      }
      if (out[0] < 1 || out[1] < 1) throw new QtscError(`${where}: attribute 'kernel_shape': a ${kernel.join('x')} window does not fit the ${map[0]}x${map[1]} input`);
      return { strides, pad, out };
    }
  }

  const outName = model.outputs[0].name;
  const out = values.get(outName);
  if (!out) throw new QtscError(`${file}: graph output '${showName(outName)}' is not computed by any node`);
  if (out.kind !== 'stream') throw new QtscError(`${file}: graph output '${showName(outName)}' is a constant`);
  if (out.clip) throw new QtscError(`${file}: node '${showName(out.clip.node)}' (Clip): clipping the output is not supported`);
  if (out.dims[0] !== batch) throw new QtscError(`${file}: graph output '${showName(outName)}': its batch dimension ${out.dims[0]} differs from the input's ${batch}`);
  const inputQuant = options.inputQuant ?? { bits: 8, scale: 1 / 255 };
  const graph: Graph = {
    file,
    inputLength: numel(inputShape),
    inputShape,
    inputQuant,
    inputQuantSource: options.inputQuant ? 'command line' : 'default',
    layers,
  };
  // The output must be the last layer's (or the input's, for an empty graph).
  if (out.layer !== last) throw new QtscError(`${file}: graph output '${showName(outName)}': is not the output of the last layer`);
  return { graph, outputDims: out.dims, outputOrder: out.order, inputDims: input.dims, inputName: input.name };
}

/**
 * QONNX Quant of a constant (a weight): scale * (clamp(round(x/scale + zeropt)) - zeropt),
 * ROUND being half to even; BipolarQuant (`q` null): scale * (x >= 0 ? 1 : -1).
 */
function quantizeConst(x: Tensor, scale: Tensor, zeropt: Tensor, q: { bits: number; signed: boolean; narrow: boolean } | null, where: string): Tensor {
  const s = broadcastSource(scale.dims, x.dims);
  const z = broadcastSource(zeropt.dims, x.dims);
  if (!s || !z) throw new QtscError(`${where}: field 'input[1]' (scale) or 'input[2]' (zeropt): does not broadcast to the weight's [${x.dims.join(', ')}]`);
  const lo = q === null ? 0 : q.signed ? -(2 ** (q.bits - 1)) + (q.narrow ? 1 : 0) : 0;
  const hi = q === null ? 0 : q.signed ? 2 ** (q.bits - 1) - 1 : 2 ** q.bits - 1 - (q.narrow ? 1 : 0);
  const data = Float64Array.from(x.data, (v, i) => {
    const sc = scale.data[s[i]];
    if (q === null) return sc * (v >= 0 ? 1 : -1);
    const zp = zeropt.data[z[i]];
    return sc * (Math.min(hi, Math.max(lo, roundHalfEven(v / sc + zp))) - zp);
  });
  return { dims: x.dims, data };
}
