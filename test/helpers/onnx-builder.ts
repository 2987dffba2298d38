/**
 * Small ONNX models built in tests, encoded with the importer's own protobuf
 * schema (ONNX's onnx.proto), for the cases the fixtures do not cover:
 * layouts checked element by element, and every refusal.
 */
import { onnxTypes } from '../../src/importers/onnx-model.js';

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string>;
}

export interface ModelSpec {
  input: { name: string; dims: Array<number | string> };
  output: { name: string; dims: number[] };
  nodes: NodeSpec[];
  initializers?: Record<string, { dims: number[]; data: number[] }>;
  opset?: number;
  /** Extra fields of an initializer (e.g. data_location), by name. */
  tensorExtras?: Record<string, Record<string, unknown>>;
}

const valueInfo = (name: string, dims: Array<number | string>) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

function attribute(name: string, v: number | number[] | string) {
  if (typeof v === 'string') return { name, type: 3, s: Buffer.from(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const { model } = onnxTypes();
  const msg = model.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }, { domain: 'qonnx.custom_op.general', version: 1 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `n${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: Object.entries(spec.initializers ?? {}).map(([name, t]) => ({ name, dims: t.dims, dataType: 1, floatData: t.data, ...(spec.tensorExtras?.[name] ?? {}) })),
      input: [valueInfo(spec.input.name, spec.input.dims)],
      output: [valueInfo(spec.output.name, spec.output.dims)],
    },
  });
  return model.encode(msg).finish();
}
