/**
 * ONNX's own operator tests (Debian's libonnx-testdata: node/<case>/model.onnx
 * with test_data_set_N/input_K.pb and output_K.pb) for the operators the ONNX
 * importer supports: each case is imported, run in the float Graph IR
 * executor (src/golden/float-model.ts) frame by frame, and compared with the
 * expected outputs. Inputs after the first are the weights of these
 * single-node graphs and are given to the importer as constants.
 *
 *   npm run bench:onnx [-- --write]   prints the table (--write: into BENCHMARKS.md)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTensor, readOnnxModel, type Tensor } from '../src/importers/onnx-model.js';
import { channelsLastOrder, lowerOnnx } from '../src/importers/onnx.js';
import { runFloat } from '../src/golden/float-model.js';
import { numel } from '../src/importers/onnx-tensors.js';
import { QtscError } from '../src/util/errors.js';
import { updateBenchmarksMd } from './train-report.js';

export const NODE_TEST_DIR = '/usr/share/libonnx-testdata/data/node';

/** The operators of the importer, as the test cases' directory names start. */
export const OPERATORS = [
  'add', 'averagepool', 'batchnorm', 'clip', 'constant', 'conv', 'flatten', 'gemm', 'globalaveragepool',
  'identity', 'matmul', 'maxpool', 'relu', 'reshape', 'sign', 'transpose',
];

/** Cases named after an operator that are other operators (ConvTranspose, MatMulInteger...). */
const OTHER_OPERATORS = /^test_(constantofshape|constant_pad|convinteger|convtranspose|matmulinteger|maxpool_with_argmax|clip_default_int8|add_uint8|maxpool_2d_uint8)/;

/** |got - expected| <= ATOL + RTOL * |expected| (float32 reference outputs, float64 executor). */
export const ATOL = 1e-5;
export const RTOL = 1e-4;

/** Cases whose result differs by definition, not by a bug, with why. */
export const KNOWN_DIFFERENCES: Record<string, string> = {
  test_sign: "ONNX's Sign maps 0 to 0; qtsc's sign activation is ±1 and maps 0 to +1 (docs/model-format.md)",
};

export interface CaseResult {
  name: string;
  op: string;
  status: 'passed' | 'skipped' | 'failed';
  reason?: string;
}

function opOf(name: string): string {
  const rest = name.slice('test_'.length);
  return [...OPERATORS].sort((a, b) => b.length - a.length).find((op) => rest.startsWith(op)) ?? rest;
}

export function listCases(dir = NODE_TEST_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => OPERATORS.some((op) => n === `test_${op}` || n.startsWith(`test_${op}_`)))
    .filter((n) => !OTHER_OPERATORS.test(n))
    .sort();
}

export function runCase(dir: string, name: string): CaseResult {
  const op = opOf(name);
  const caseDir = path.join(dir, name);
  let model;
  try {
    model = readOnnxModel(path.join(caseDir, 'model.onnx'));
  } catch (e) {
    if (e instanceof QtscError) return { name, op, status: 'skipped', reason: e.message.replace(/^[^ ]+: /, '') };
    throw e;
  }
  const sets = fs.readdirSync(caseDir).filter((d) => d.startsWith('test_data_set_')).sort();
  let compared = 0;
  for (const set of sets) {
    const read = (f: string): Tensor => decodeTensor(fs.readFileSync(path.join(caseDir, set, f)), `${name}/${set}/${f}`);
    const inputs = model.inputs.map((_, k) => read(`input_${k}.pb`));
    const expected = read('output_0.pb');
    let lowered;
    try {
      // The first input is the stream; the others (weights, shapes, bounds) are constants.
      const constantInputs = new Map(model.inputs.slice(1).map((inp, k) => [inp.name, inputs[k + 1]] as const));
      lowered = lowerOnnx(model, { constantInputs });
    } catch (e) {
      if (e instanceof QtscError) return { name, op, status: 'skipped', reason: e.message.replace(/^[^ ]+: /, '') };
      throw e;
    }
    const { graph, outputOrder, outputDims, inputDims } = lowered;
    const batch = inputDims[0];
    const inFrame = numel(inputDims.slice(1));
    const outFrame = numel(outputDims.slice(1));
    // The executor reads a frame in stream (NHWC) order.
    const inputOrder = channelsLastOrder(inputDims.slice(1));
    for (let n = 0; n < batch; n++) {
      const frame = new Float64Array(inFrame);
      for (let i = 0; i < inFrame; i++) frame[inputOrder[i]] = inputs[0].data[n * inFrame + i];
      const y = runFloat(graph, frame).logits;
      for (let i = 0; i < outFrame; i++) {
        const got = y[outputOrder[i]];
        const want = expected.data[n * outFrame + i];
        if (!(Math.abs(got - want) <= ATOL + RTOL * Math.abs(want))) {
          return { name, op, status: 'failed', reason: `${set}: batch ${n}, element ${i}: ${got} instead of ${want}` };
        }
        compared++;
      }
    }
  }
  return { name, op, status: 'passed', reason: `${compared} values` };
}

export function runAll(dir = NODE_TEST_DIR): CaseResult[] {
  return listCases(dir).map((n) => runCase(dir, n));
}

export const HEADING = "## ONNX's operator tests on the Graph IR executor";

export function renderTable(results: CaseResult[]): string {
  const ops = [...new Set(results.map((r) => r.op))].sort();
  const count = (op: string, s: CaseResult['status']) => results.filter((r) => r.op === op && r.status === s).length;
  const lines = [
    HEADING,
    '',
    `\`npx tsx bench/onnx-node-tests.ts\`: every case of ${NODE_TEST_DIR} (Debian libonnx-testdata) for the importer's operators, imported and run frame by frame in the float Graph IR executor; a value passes when |got - expected| <= ${ATOL} + ${RTOL}·|expected|.`,
    '',
    '| operator | cases | passed | skipped | failed |',
    '|---|---|---|---|---|',
    ...ops.map((op) => `| ${op} | ${results.filter((r) => r.op === op).length} | ${count(op, 'passed')} | ${count(op, 'skipped')} | ${count(op, 'failed')} |`),
    `| **all** | ${results.length} | ${results.filter((r) => r.status === 'passed').length} | ${results.filter((r) => r.status === 'skipped').length} | ${results.filter((r) => r.status === 'failed').length} |`,
    '',
    'Skipped and failed cases, with the importer\'s reason:',
    '',
    '| case | status | reason |',
    '|---|---|---|',
    ...results.filter((r) => r.status !== 'passed').map((r) => `| ${r.name} | ${r.status} | ${(r.reason ?? '').replace(/\|/g, '\\|')}${KNOWN_DIFFERENCES[r.name] ? ` (${KNOWN_DIFFERENCES[r.name]})` : ''} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = runAll();
  const table = renderTable(results);
  console.log(table);
  if (process.argv.includes('--write')) updateBenchmarksMd(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'BENCHMARKS.md'), table, HEADING);
}
