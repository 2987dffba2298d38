/**
 * Importer: a TensorFlow.js Layers model directory (Sequential or a functional
 * chain) -> Graph IR. Reads model.json itself (see tfjs-artifacts.ts), so the
 * compiler needs no tfjs runtime to import. docs/model-format.md lists what is
 * accepted; anything else is refused with the file, layer and field named.
 */
import { z } from 'zod';
import { GRAPH_INPUT, type Activation, type Graph, type GraphLayer, type InputQuant } from '../ir/graph-ir.js';
import { ValueSpaceSchema, resolveValueSpace } from '../layers/value-space.js';
import { QtscError } from '../util/errors.js';
import { modelJsonPath, readModelJson, readWeights } from './tfjs-artifacts.js';
import { samePadding } from '../golden/sliding-window.js';

/** userDefinedMetadata.qtsc */
export const QtscMetadataSchema = z.object({
  input: z.object({ bits: z.number().int().min(1).max(16), scale: z.number().positive().finite() }).optional(),
  valueSpace: ValueSpaceSchema.optional(),
  valueSpaces: z.record(z.string(), ValueSpaceSchema).optional(),
});
export type QtscMetadata = z.infer<typeof QtscMetadataSchema>;

export interface ImportOptions {
  /** Input quantization from the command line (overrides metadata). */
  inputQuant?: InputQuant;
}

interface RawLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inbound: string[];
}

const LayerEntrySchema = z.object({
  class_name: z.string(),
  config: z.record(z.string(), z.unknown()),
  name: z.string().optional(),
  inbound_nodes: z.array(z.unknown()).optional(),
});

/** Reads a config key in either spelling (tfjs writes snake_case; hand-written files may not). */
function cfg(c: Record<string, unknown>, camel: string): unknown {
  const snake = camel.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase());
  return c[snake] !== undefined ? c[snake] : c[camel];
}

function inboundNames(nodes: unknown[] | undefined, where: string): string[] {
  if (!nodes || nodes.length === 0) return [];
  if (nodes.length > 1) throw new QtscError(`${where}: field 'inbound_nodes': a layer used more than once (shared layers) is not supported`);
  const node = nodes[0];
  // Keras style: [[name, nodeIndex, tensorIndex, kwargs], ...]; newer tfjs: {args: [...]}.
  if (Array.isArray(node)) return node.map((t) => (Array.isArray(t) ? String(t[0]) : String(t)));
  if (node && typeof node === 'object' && 'args' in node) {
    const args = (node as { args: unknown[] }).args;
    return args.map((a) => String((a as { config?: { keras_history?: unknown[] } }).config?.keras_history?.[0]));
  }
  throw new QtscError(`${where}: field 'inbound_nodes': unrecognised form`);
}

/** The layers of a Sequential model, or of a functional model that is a single chain, in order. */
function orderedLayers(topology: Record<string, unknown>, file: string): RawLayer[] {
  const root = (topology.model_config as Record<string, unknown> | undefined) ?? topology;
  const className = String(root.class_name ?? '');
  const config = root.config as Record<string, unknown> | undefined;
  if (!config) throw new QtscError(`${file}: field 'modelTopology.config' is missing`);
  const rawLayers = Array.isArray(config) ? config : config.layers;
  if (!Array.isArray(rawLayers)) throw new QtscError(`${file}: field 'modelTopology.config.layers' is missing`);
  const layers: RawLayer[] = rawLayers.map((l, i) => {
    const p = LayerEntrySchema.safeParse(l);
    if (!p.success) throw new QtscError(`${file}: field 'modelTopology.config.layers.${i}': ${p.error.issues[0].message}`);
    const name = String(p.data.name ?? p.data.config.name ?? `layer${i}`);
    return {
      className: p.data.class_name,
      name,
      config: p.data.config,
      inbound: className === 'Sequential' ? [] : inboundNames(p.data.inbound_nodes, `${file}: layer '${name}'`),
    };
  });
  if (className === 'Sequential') return layers;
  if (className !== 'Model' && className !== 'Functional') {
    throw new QtscError(`${file}: field 'modelTopology.class_name': '${className}' is not a Layers model (Sequential or Model)`);
  }
  // Functional: a graph from one input to one output; branches meet only at Add layers.
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, RawLayer[]>();
  for (const l of layers) {
    if (l.inbound.length > 1 && l.className !== 'Add') {
      throw new QtscError(`${file}: layer '${l.name}' (${l.className}): field 'inbound_nodes': merges ${l.inbound.length} tensors; only Add joins branches`);
    }
    if (l.className === 'Add' && l.inbound.length !== 2) throw new QtscError(`${file}: layer '${l.name}' (Add): field 'inbound_nodes': adds ${l.inbound.length} tensors; exactly 2 are supported`);
    for (const src of l.inbound) {
      if (!byName.has(src)) throw new QtscError(`${file}: layer '${l.name}': field 'inbound_nodes' names unknown layer '${src}'`);
      consumers.set(src, [...(consumers.get(src) ?? []), l]);
    }
  }
  const starts = layers.filter((l) => l.inbound.length === 0);
  if (starts.length !== 1) throw new QtscError(`${file}: the model has ${starts.length} inputs; exactly one is supported`);
  // Topological order, depth first so that a branch stays together (stable: file order among equals).
  const ordered: RawLayer[] = [];
  const waiting = new Map(layers.map((l) => [l.name, l.inbound.length]));
  const stack: RawLayer[] = [starts[0]];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    ordered.push(cur);
    const next = consumers.get(cur.name) ?? [];
    for (let k = next.length - 1; k >= 0; k--) {
      const left = waiting.get(next[k].name)! - 1;
      waiting.set(next[k].name, left);
      if (left === 0) stack.push(next[k]);
    }
  }
  if (ordered.length !== layers.length) throw new QtscError(`${file}: ${layers.length - ordered.length} layer(s) are not reachable from the input (or form a cycle)`);
  const ends = layers.filter((l) => !(consumers.get(l.name)?.length));
  if (ends.length !== 1) throw new QtscError(`${file}: the model has ${ends.length} outputs; exactly one is supported`);
  return ordered;
}

function activationFromName(name: unknown, where: string): Activation | null {
  if (name === undefined || name === null || name === 'linear') return null;
  if (name === 'relu') return { fn: 'relu' };
  if (name === 'softmax') return { fn: 'softmax' };
  throw new QtscError(`${where}: field 'activation': '${String(name)}' is not supported (relu, linear, or qtsc's QtscSign / QtscQuantAct layers)`);
}

type Shape3 = [number, number, number];

/** The declared input shape as [h, w, c] (a vector is [1, 1, n]; [n, c] is [1, n, c]), or null. */
function declaredShape(shape: unknown, where: string): Shape3 | null {
  if (!Array.isArray(shape)) return null;
  const dims = shape.slice(1);
  if (dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new QtscError(`${where}: field 'batch_input_shape': ${JSON.stringify(shape)} must give every dimension after the batch as a positive integer`);
  }
  const d = dims as number[];
  if (d.length === 1) return [1, 1, d[0]];
  if (d.length === 2) return [1, d[0], d[1]];
  if (d.length === 3) return [d[0], d[1], d[2]];
  throw new QtscError(`${where}: field 'batch_input_shape': ${JSON.stringify(shape)} has ${d.length} dimensions after the batch; at most 3 (height, width, channels) are supported`);
}

/** A pair option (kernel_size, strides, pool_size): a number or a list of two positive integers. */
function pairOf(v: unknown, where: string, field: string, dflt?: [number, number]): [number, number] {
  if ((v === undefined || v === null) && dflt) return dflt;
  const a = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(a) || a.length !== 2 || a.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 1)) {
    throw new QtscError(`${where}: field '${field}': ${JSON.stringify(v)} must be a positive integer or two of them`);
  }
  return [a[0], a[1]];
}

/** tfjs' padding of one axis: [before, after] ('same': out = ceil(in/stride), the odd pixel after). */
function axisPadding(mode: string, size: number, k: number, stride: number): [number, number] {
  return mode === 'valid' ? [0, 0] : samePadding(size, k, stride);
}

/** Window layers' spatial options, checked: kernel, strides, resolved padding, output shape. */
function windowOf(
  c: Record<string, unknown>,
  where: string,
  shape: Shape3,
  kernelField: string,
  defaultStrides: 'kernel' | 'one',
): { kernel: [number, number]; strides: [number, number]; pad: [number, number, number, number]; out: [number, number] } {
  const kernel = pairOf(cfg(c, kernelField), where, kernelField.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase()));
  const strides = pairOf(cfg(c, 'strides'), where, 'strides', defaultStrides === 'kernel' ? kernel : [1, 1]);
  const padding = String(cfg(c, 'padding') ?? 'valid');
  if (padding !== 'valid' && padding !== 'same') throw new QtscError(`${where}: field 'padding': '${padding}' is not supported (valid or same)`);
  const format = cfg(c, 'dataFormat');
  if (format !== undefined && format !== null && format !== 'channelsLast' && format !== 'channels_last') {
    throw new QtscError(`${where}: field 'data_format': '${String(format)}' is not supported (channels_last, the stream order)`);
  }
  const dil = cfg(c, 'dilationRate');
  if (dil !== undefined && dil !== null && pairOf(dil, where, 'dilation_rate').some((d) => d !== 1)) throw new QtscError(`${where}: field 'dilation_rate': dilated convolutions are not supported`);
  const [pt, pb] = axisPadding(padding, shape[0], kernel[0], strides[0]);
  const [pl, pr] = axisPadding(padding, shape[1], kernel[1], strides[1]);
  const oh = Math.floor((shape[0] + pt + pb - kernel[0]) / strides[0]) + 1;
  const ow = Math.floor((shape[1] + pl + pr - kernel[1]) / strides[1]) + 1;
  if (oh < 1 || ow < 1) throw new QtscError(`${where}: field '${kernelField}': a ${kernel.join('x')} window does not fit the ${shape[0]}x${shape[1]} input`);
  return { kernel, strides, pad: [pt, pl, pb, pr], out: [oh, ow] };
}

export function importTfjsLayers(modelDir: string, options: ImportOptions = {}): Graph {
  const file = modelJsonPath(modelDir);
  const json = readModelJson(file);
  const weights = readWeights(file, json);
  const rawMeta = json.userDefinedMetadata?.qtsc;
  let meta: QtscMetadata = {};
  if (rawMeta !== undefined) {
    const p = QtscMetadataSchema.safeParse(rawMeta);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new QtscError(`${file}: field 'userDefinedMetadata.qtsc.${issue.path.join('.')}': ${issue.message}`);
    }
    meta = p.data;
  }

  const weight = (layer: string, suffix: string, expected: number, required = true): Float32Array | null => {
    let w = weights.get(`${layer}/${suffix}`);
    if (!w) for (const [k, v] of weights) if (k.startsWith(`${layer}/`) && k.endsWith(`/${suffix}`)) w = v;
    if (!w) {
      if (required) throw new QtscError(`${file}: layer '${layer}': weight '${suffix}' is missing from weightsManifest`);
      return null;
    }
    if (w.values.length !== expected) {
      throw new QtscError(`${file}: layer '${layer}': weight '${suffix}' has ${w.values.length} values, ${expected} expected`);
    }
    return w.values;
  };

  const valueSpaceOf = (l: RawLayer, where: string): { valueSpace: number[] | null; source: 'layer config' | 'model metadata' | 'none' } => {
    let valueSpace: number[] | null = null;
    let source: 'layer config' | 'model metadata' | 'none' = 'none';
    const spaceInConfig = cfg(l.config, 'valueSpace');
    const spaceInMeta = meta.valueSpaces?.[l.name] ?? meta.valueSpace;
    try {
      if (spaceInConfig !== undefined && spaceInConfig !== null) {
        valueSpace = resolveValueSpace(spaceInConfig as string);
        source = 'layer config';
      } else if (spaceInMeta !== undefined) {
        valueSpace = resolveValueSpace(spaceInMeta);
        source = 'model metadata';
      }
    } catch (e) {
      throw new QtscError(`${where}: field '${source === 'none' && spaceInConfig !== undefined ? 'value_space' : 'userDefinedMetadata.qtsc.valueSpace'}': ${(e as Error).message}`);
    }
    return { valueSpace, source };
  };

  const raw = orderedLayers(json.modelTopology, file);
  const layers: GraphLayer[] = [];
  let inputShape: Shape3 | null = null;
  /** Shape of the current feature map; [1, 1, n] once it is a vector. */
  let shape: Shape3 | null = null;
  /** Whether the map has been flattened (or passed a Dense): spatial layers no longer apply. */
  let flat = false;
  /** Per raw layer: its output shape, flatness, and the graph layer holding its output (GRAPH_INPUT for the input). */
  const shapeAfter = new Map<string, { shape: Shape3 | null; flat: boolean; graphName: string }>();
  let lastGraphName = GRAPH_INPUT;
  for (const l of raw) {
    const where = `${file}: layer '${l.name}' (${l.className})`;
    const c = l.config;
    // A functional model's layer reads its inbound layer, which need not be the one before it.
    const from = l.inbound.length > 0 ? shapeAfter.get(l.inbound[0]) : undefined;
    if (from) {
      shape = from.shape;
      flat = from.flat;
    }
    const readsFrom = from ? from.graphName : lastGraphName;
    const firstNew = layers.length;
    const declared = declaredShape(cfg(c, 'batchInputShape'), where);
    if (declared !== null && inputShape === null) {
      inputShape = declared;
      shape = declared;
    }
    // A Dense layer reads a vector: a map of pixels must be flattened first.
    const width = shape === null ? null : shape[0] * shape[1] > 1 && !flat ? null : shape[2];
    switch (l.className) {
      case 'Flatten':
        if (shape !== null && !flat && (shape[0] > 1 || shape[1] > 1)) layers.push({ kind: 'flatten', name: l.name, inShape: shape });
        if (shape !== null) shape = [1, 1, shape[0] * shape[1] * shape[2]];
        flat = true;
        break;
      case 'InputLayer':
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'GaussianDropout':
      case 'AlphaDropout':
        break;
      case 'Dense':
      case 'QtscDense': {
        if (shape === null) throw new QtscError(`${where}: field 'batch_input_shape': the input size is unknown`);
        if (width === null) throw new QtscError(`${where}: a Dense layer on a ${shape.join('x')} feature map applies per pixel, which is not supported; put a Flatten (or GlobalAveragePooling2D) before it`);
        flat = true;
        const units = Number(cfg(c, 'units'));
        if (!Number.isInteger(units) || units < 1) throw new QtscError(`${where}: field 'units': must be a positive integer`);
        const kernel = weight(l.name, 'kernel', width * units)!;
        const useBias = cfg(c, 'useBias') !== false;
        const bias = useBias ? weight(l.name, 'bias', units) : null;
        const { valueSpace, source } = valueSpaceOf(l, where);
        layers.push({ kind: 'dense', name: l.name, inFeatures: width, units, kernel, bias, valueSpace, valueSpaceSource: source });
        const act = activationFromName(cfg(c, 'activation'), where);
        if (act) layers.push({ kind: 'activation', name: `${l.name}/activation`, act });
        shape = [1, 1, units];
        break;
      }
      case 'Conv2D':
      case 'QtscConv2D': {
        if (shape === null) throw new QtscError(`${where}: field 'batch_input_shape': the input shape is unknown`);
        if (flat) throw new QtscError(`${where}: a convolution after Flatten or Dense is not supported`);
        const filters = Number(cfg(c, 'filters'));
        if (!Number.isInteger(filters) || filters < 1) throw new QtscError(`${where}: field 'filters': must be a positive integer`);
        const g = windowOf(c, where, shape, 'kernelSize', 'one');
        const cin = shape[2];
        const kernel = weight(l.name, 'kernel', g.kernel[0] * g.kernel[1] * cin * filters)!;
        const bias = cfg(c, 'useBias') !== false ? weight(l.name, 'bias', filters) : null;
        const { valueSpace, source } = valueSpaceOf(l, where);
        layers.push({ kind: 'conv2d', name: l.name, inShape: shape, filters, kernelSize: g.kernel, strides: g.strides, pad: g.pad, kernel, bias, valueSpace, valueSpaceSource: source });
        const act = activationFromName(cfg(c, 'activation'), where);
        if (act) layers.push({ kind: 'activation', name: `${l.name}/activation`, act });
        shape = [g.out[0], g.out[1], filters];
        break;
      }
      case 'DepthwiseConv2D':
      case 'QtscDepthwiseConv2D': {
        if (shape === null) throw new QtscError(`${where}: field 'batch_input_shape': the input shape is unknown`);
        if (flat) throw new QtscError(`${where}: a convolution after Flatten or Dense is not supported`);
        const multiplier = Number(cfg(c, 'depthMultiplier') ?? 1);
        if (!Number.isInteger(multiplier) || multiplier < 1) throw new QtscError(`${where}: field 'depth_multiplier': must be a positive integer`);
        const g = windowOf(c, where, shape, 'kernelSize', 'one');
        const cin: number = shape[2];
        const kernel = weight(l.name, 'depthwise_kernel', g.kernel[0] * g.kernel[1] * cin * multiplier)!;
        const bias = cfg(c, 'useBias') !== false ? weight(l.name, 'bias', cin * multiplier) : null;
        const { valueSpace, source } = valueSpaceOf(l, where);
        layers.push({ kind: 'depthwise', name: l.name, inShape: shape, multiplier, kernelSize: g.kernel, strides: g.strides, pad: g.pad, kernel, bias, valueSpace, valueSpaceSource: source });
        const act = activationFromName(cfg(c, 'activation'), where);
        if (act) layers.push({ kind: 'activation', name: `${l.name}/activation`, act });
        shape = [g.out[0], g.out[1], cin * multiplier];
        break;
      }
      case 'AveragePooling2D': {
        if (shape === null || flat) throw new QtscError(`${where}: average pooling needs a feature map (after a convolution)`);
        const g = windowOf(c, where, shape, 'poolSize', 'kernel');
        // tfjs' 'same' divides each window by its taps inside the image.
        layers.push({ kind: 'avgpool', name: l.name, inShape: shape, poolSize: g.kernel, strides: g.strides, pad: g.pad, countPadded: false, global: false });
        shape = [g.out[0], g.out[1], shape[2]];
        break;
      }
      case 'GlobalAveragePooling2D': {
        if (shape === null || flat) throw new QtscError(`${where}: global average pooling needs a feature map (after a convolution)`);
        const format = cfg(c, 'dataFormat');
        if (format !== undefined && format !== null && format !== 'channelsLast' && format !== 'channels_last') throw new QtscError(`${where}: field 'data_format': '${String(format)}' is not supported (channels_last)`);
        layers.push({ kind: 'avgpool', name: l.name, inShape: shape, poolSize: [shape[0], shape[1]], strides: [shape[0], shape[1]], pad: [0, 0, 0, 0], countPadded: false, global: true });
        shape = [1, 1, shape[2]];
        flat = true;
        break;
      }
      case 'MaxPooling2D': {
        if (shape === null || flat) throw new QtscError(`${where}: max pooling needs a feature map (after a convolution)`);
        const g = windowOf(c, where, shape, 'poolSize', 'kernel');
        layers.push({ kind: 'maxpool', name: l.name, inShape: shape, poolSize: g.kernel, strides: g.strides, pad: g.pad });
        shape = [g.out[0], g.out[1], shape[2]];
        break;
      }
      case 'ZeroPadding2D': {
        if (shape === null || flat) throw new QtscError(`${where}: zero padding needs a feature map`);
        const p = cfg(c, 'padding');
        let pad: [number, number, number, number];
        const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0);
        if (Number.isInteger(p) && (p as number) >= 0) pad = [p as number, p as number, p as number, p as number];
        else if (isPair(p)) pad = [p[0], p[1], p[0], p[1]];
        else if (Array.isArray(p) && p.length === 2 && isPair(p[0]) && isPair(p[1])) pad = [p[0][0], p[1][0], p[0][1], p[1][1]];
        else throw new QtscError(`${where}: field 'padding': ${JSON.stringify(p)} must be n, [rows, cols] or [[top, bottom], [left, right]]`);
        layers.push({ kind: 'zeropad', name: l.name, inShape: shape, pad });
        shape = [shape[0] + pad[0] + pad[2], shape[1] + pad[1] + pad[3], shape[2]];
        break;
      }
      case 'BatchNormalization': {
        if (shape === null) throw new QtscError(`${where}: the input size is unknown`);
        const axis = cfg(c, 'axis');
        const ax = Array.isArray(axis) ? axis : [axis ?? -1];
        if (ax.length !== 1 || (ax[0] !== -1 && ax[0] !== 1)) {
          throw new QtscError(`${where}: field 'axis': only the last (feature) axis is supported, got ${JSON.stringify(axis)}`);
        }
        const center = cfg(c, 'center') !== false;
        const scale = cfg(c, 'scale') !== false;
        // Per channel: the last axis of the map.
        const n = shape[2];
        layers.push({
          kind: 'batchnorm',
          name: l.name,
          gamma: scale ? weight(l.name, 'gamma', n)! : new Float32Array(n).fill(1),
          beta: center ? weight(l.name, 'beta', n)! : new Float32Array(n),
          mean: weight(l.name, 'moving_mean', n)!,
          variance: weight(l.name, 'moving_variance', n)!,
          epsilon: Number(cfg(c, 'epsilon') ?? 1e-3),
        });
        break;
      }
      case 'Activation': {
        const act = activationFromName(cfg(c, 'activation'), where);
        if (act) layers.push({ kind: 'activation', name: l.name, act });
        break;
      }
      case 'ReLU': {
        const maxValue = cfg(c, 'maxValue');
        if (maxValue !== undefined && maxValue !== null) throw new QtscError(`${where}: field 'max_value': a clipped ReLU is not supported; use QtscQuantAct`);
        layers.push({ kind: 'activation', name: l.name, act: { fn: 'relu' } });
        break;
      }
      case 'QtscSign':
        layers.push({ kind: 'activation', name: l.name, act: { fn: 'sign' } });
        break;
      case 'QtscQuantAct': {
        const bits = Number(cfg(c, 'bits'));
        if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new QtscError(`${where}: field 'bits': must be an integer in 1..16`);
        let clip = Number(cfg(c, 'clip'));
        if (cfg(c, 'learnClip') === true) clip = weight(l.name, 'clip', 1)![0];
        if (!(clip > 0) || !Number.isFinite(clip)) throw new QtscError(`${where}: field 'clip': must be a positive number`);
        layers.push({ kind: 'activation', name: l.name, act: { fn: 'quant', bits, clip } });
        break;
      }
      case 'Add': {
        const [a, b] = l.inbound.map((n) => shapeAfter.get(n)!);
        if (!a.shape || !b.shape || a.shape.some((v, k) => v !== b.shape![k])) {
          throw new QtscError(`${where}: field 'inbound_nodes': adds maps of shapes ${a.shape?.join('x')} and ${b.shape?.join('x')}; they must be equal`);
        }
        layers.push({ kind: 'add', name: l.name, inputs: [a.graphName, b.graphName], shape: a.shape });
        shape = a.shape;
        flat = a.flat;
        break;
      }
      default:
        throw new QtscError(`${where}: field 'class_name': layer type '${l.className}' is not supported (see docs/model-format.md)`);
    }
    // The first graph layer made here reads the inbound layer's output when that is not the one just before it.
    if (layers.length > firstNew && layers[firstNew].kind !== 'add' && readsFrom !== lastGraphName) layers[firstNew].input = readsFrom;
    if (layers.length > firstNew) lastGraphName = layers[layers.length - 1].name;
    shapeAfter.set(l.name, { shape, flat, graphName: layers.length > firstNew ? layers[layers.length - 1].name : readsFrom });
  }
  if (inputShape === null) throw new QtscError(`${file}: field 'batch_input_shape': no layer declares the input shape`);
  if (!layers.some((l) => l.kind === 'dense')) throw new QtscError(`${file}: the model has no Dense layer`);
  const inputLength = inputShape[0] * inputShape[1] * inputShape[2];

  let inputQuant: InputQuant = { bits: 8, scale: 1 / 255 };
  let inputQuantSource: Graph['inputQuantSource'] = 'default';
  if (options.inputQuant) {
    inputQuant = options.inputQuant;
    inputQuantSource = 'command line';
  } else if (meta.input) {
    inputQuant = meta.input;
    inputQuantSource = 'model metadata';
  }
  return { file, inputLength, inputShape, inputQuant, inputQuantSource, layers };
}
