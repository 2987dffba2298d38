/**
 * Reading an ONNX file: ModelProto decoded by protobufjs from ONNX's own
 * onnx.proto (vendored next to this file), then checked and reduced to what
 * the lowering needs: nodes with plain attributes, initializers as float64
 * tensors, the graph's input and output with static shapes. Anything the
 * importer cannot take (an opset outside 11..18, external-data tensors, a
 * dynamic dimension, a tensor type it does not read) is refused here with the
 * file, the node or tensor, and the field named.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { QtscError } from '../util/errors.js';
import { readRegularFile } from '../util/paths.js';
import { showName } from '../util/paths.js';

/** A tensor with its ONNX dims (row-major, as ONNX stores it). */
export interface Tensor {
  dims: number[];
  data: Float64Array;
}

export type AttrValue = number | string | number[] | string[] | Tensor;

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface OnnxValueInfo {
  name: string;
  dims: number[];
}

export interface OnnxModel {
  file: string;
  /** Opset of the default (ai.onnx) domain. */
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** metadata_props, key -> value. */
  metadata: Map<string, string>;
}

export const MIN_OPSET = 11;
export const MAX_OPSET = 18;
/** Model files larger than this are refused before reading (the weights are inline). */
const MAX_MODEL_BYTES = 512 * 1024 * 1024;

const PROTO_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'onnx.proto');
let modelType: protobuf.Type | null = null;
let tensorType: protobuf.Type | null = null;

/** ModelProto and TensorProto of ONNX's onnx.proto (loaded once). */
export function onnxTypes(): { model: protobuf.Type; tensor: protobuf.Type } {
  if (!modelType || !tensorType) {
    const root = protobuf.loadSync(PROTO_FILE);
    modelType = root.lookupType('onnx.ModelProto');
    tensorType = root.lookupType('onnx.TensorProto');
  }
  return { model: modelType, tensor: tensorType };
}

/** TensorProto.DataType values the importer reads. */
const DATA_TYPES: Record<number, string> = { 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 5: 'INT16', 6: 'INT32', 7: 'INT64', 9: 'BOOL', 11: 'DOUBLE' };

type Obj = Record<string, unknown>;
const toObject = (t: protobuf.Type, m: protobuf.Message): Obj => t.toObject(m, { longs: Number, enums: Number, defaults: false, arrays: true }) as Obj;

/** A TensorProto (as a plain object) -> Tensor; `where` names it in messages. */
export function tensorFromProto(t: Obj, where: string): Tensor {
  const dims = ((t.dims as number[] | undefined) ?? []).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new QtscError(`${where}: field 'dims': [${dims.join(', ')}] is not a list of sizes`);
  if (t.dataLocation === 1 || (Array.isArray(t.externalData) && t.externalData.length > 0)) {
    throw new QtscError(`${where}: field 'data_location': the tensor is stored in an external file, which is not supported (save the model with its weights inside it)`);
  }
  const type = Number(t.dataType ?? 0);
  if (!(type in DATA_TYPES)) throw new QtscError(`${where}: field 'data_type': type ${type} is not supported (${Object.values(DATA_TYPES).join(', ')})`);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float64Array;
  const raw = t.rawData as Uint8Array | undefined;
  if (raw && raw.length > 0) {
    const bytes = { 1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 9: 1, 11: 8 }[type as 1]!;
    if (raw.length !== count * bytes) throw new QtscError(`${where}: field 'raw_data': ${raw.length} bytes for ${count} values of ${DATA_TYPES[type]} (${count * bytes} expected)`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      if (type === 1) data[i] = view.getFloat32(i * 4, true);
      else if (type === 11) data[i] = view.getFloat64(i * 8, true);
      else if (type === 7) data[i] = Number(view.getBigInt64(i * 8, true));
      else if (type === 6) data[i] = view.getInt32(i * 4, true);
      else if (type === 5) data[i] = view.getInt16(i * 2, true);
      else if (type === 3) data[i] = view.getInt8(i);
      else data[i] = view.getUint8(i);
    }
  } else {
    const field = type === 1 ? 'floatData' : type === 11 ? 'doubleData' : type === 7 ? 'int64Data' : 'int32Data';
    const values = (t[field] as number[] | undefined) ?? [];
    if (values.length !== count) {
      throw new QtscError(`${where}: field '${field.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase())}': ${values.length} values for dims [${dims.join(', ')}] (${count} expected)`);
    }
    data = Float64Array.from(values, Number);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new QtscError(`${where}: value ${data[i]} at index ${i} is not finite`);
  }
  return { dims, data };
}

/** Decodes a serialized TensorProto (the operator tests' .pb files). */
export function decodeTensor(bytes: Uint8Array, where: string): Tensor {
  const { tensor } = onnxTypes();
  let m: protobuf.Message;
  try {
    m = tensor.decode(bytes);
  } catch (e) {
    throw new QtscError(`${where}: not a TensorProto: ${(e as Error).message}`);
  }
  return tensorFromProto(toObject(tensor, m), where);
}

function attrValue(a: Obj, where: string): AttrValue {
  const name = String(a.name);
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
  const decodeString = (s: unknown) => Buffer.from(s as Uint8Array).toString('utf8');
  switch (Number(a.type ?? 0)) {
    case 1:
      return Number(a.f ?? 0);
    case 2:
      return Number(a.i ?? 0);
    case 3:
      return decodeString(a.s ?? new Uint8Array());
    case 4:
      return tensorFromProto((a.t ?? {}) as Obj, `${where}: attribute '${name}'`);
    case 6:
      return ((a.floats as number[] | undefined) ?? []).map(Number);
    case 7:
      return ((a.ints as number[] | undefined) ?? []).map(Number);
    case 8:
      return ((a.strings as unknown[] | undefined) ?? []).map(decodeString);
    default:
      throw new QtscError(`${where}: attribute '${name}': field 'type': attribute type ${String(a.type)} is not supported`);
  }
}

/**
 * A graph input's or output's name and dims. An input must have static dims,
 * except a symbolic batch (dim 0), read as 1; an output's dims are computed
 * by the importer, so there they may be symbolic (-1): exporters often cannot
 * infer shapes through custom (QONNX) operators.
 */
function valueInfo(v: Obj, file: string, what: 'input' | 'output'): OnnxValueInfo {
  const name = String(v.name ?? '');
  const where = `${file}: graph ${what} '${showName(name)}'`;
  const tensor = ((v.type as Obj | undefined)?.tensorType ?? null) as Obj | null;
  if (!tensor) throw new QtscError(`${where}: field 'type': not a tensor`);
  const dims = (((tensor.shape as Obj | undefined)?.dim as Obj[] | undefined) ?? null);
  if (dims === null) {
    if (what === 'output') return { name, dims: [] };
    throw new QtscError(`${where}: field 'type.tensor_type.shape': the shape is not given (a static shape is needed)`);
  }
  return {
    name,
    dims: dims.map((d, k) => {
      if (d.dimValue !== undefined && d.dimParam === undefined) return Number(d.dimValue);
      if (what === 'output') return -1;
      if (k === 0) return 1;
      throw new QtscError(`${where}: field 'type.tensor_type.shape.dim[${k}]': dynamic dimension${d.dimParam ? ` '${String(d.dimParam)}'` : ''}; export the model with static shapes (only the batch may be symbolic)`);
    }),
  };
}

/** Reads and checks an .onnx file. */
export function readOnnxModel(file: string): OnnxModel {
  const bytes = readRegularFile(file, file, MAX_MODEL_BYTES);
  return parseOnnxModel(bytes, file);
}

export function parseOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  const { model } = onnxTypes();
  let m: Obj;
  try {
    m = toObject(model, model.decode(bytes));
  } catch (e) {
    throw new QtscError(`${file}: not an ONNX model (ModelProto): ${(e as Error).message}`);
  }
  const imports = (m.opsetImport as Obj[] | undefined) ?? [];
  const main = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!m.graph) throw new QtscError(`${file}: field 'graph': the model has no graph (is it an ONNX file?)`);
  if (!main) throw new QtscError(`${file}: field 'opset_import': no opset of the default domain (ai.onnx)`);
  const opset = Number(main.version);
  if (!(opset >= MIN_OPSET && opset <= MAX_OPSET)) {
    throw new QtscError(`${file}: field 'opset_import': opset ${opset} is not supported (${MIN_OPSET} to ${MAX_OPSET}); re-export with opset_version in that range`);
  }
  const g = m.graph as Obj;
  const initializers = new Map<string, Tensor>();
  for (const t of (g.initializer as Obj[] | undefined) ?? []) {
    const name = String(t.name ?? '');
    initializers.set(name, tensorFromProto(t, `${file}: initializer '${showName(name)}'`));
  }
  if (((g.sparseInitializer as unknown[] | undefined) ?? []).length > 0) throw new QtscError(`${file}: field 'graph.sparse_initializer': sparse tensors are not supported`);
  const nodes: OnnxNode[] = ((g.node as Obj[] | undefined) ?? []).map((n, i) => {
    const name = String(n.name || `#${i}`);
    const opType = String(n.opType ?? '');
    const where = `${file}: node '${showName(name)}' (${showName(opType)})`;
    const attrs = new Map<string, AttrValue>();
    for (const a of (n.attribute as Obj[] | undefined) ?? []) {
      if (a.refAttrName) throw new QtscError(`${where}: attribute '${String(a.name)}': field 'ref_attr_name': attribute references (functions) are not supported`);
      attrs.set(String(a.name), attrValue(a, where));
    }
    return {
      name,
      opType,
      domain: String(n.domain ?? ''),
      inputs: ((n.input as string[] | undefined) ?? []).map(String),
      outputs: ((n.output as string[] | undefined) ?? []).map(String),
      attrs,
    };
  });
  const inputs = ((g.input as Obj[] | undefined) ?? []).filter((v) => !initializers.has(String(v.name))).map((v) => valueInfo(v, file, 'input'));
  const outputs = ((g.output as Obj[] | undefined) ?? []).map((v) => valueInfo(v, file, 'output'));
  const metadata = new Map<string, string>();
  for (const p of (m.metadataProps as Obj[] | undefined) ?? []) metadata.set(String(p.key), String(p.value ?? ''));
  return { file, opset, nodes, initializers, inputs, outputs, metadata };
}
