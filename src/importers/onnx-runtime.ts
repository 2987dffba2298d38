/**
 * The ONNX model as its authors' tools run it: onnxruntime (CPU) on frames,
 * to compare with what qtsc compiled. onnxruntime-node is loaded only here
 * and only when needed; when it does not load (a platform without its CPU
 * binaries) or the model uses operators it does not have (QONNX's), the
 * caller gets the reason instead of outputs.
 */
import { readOnnxModel } from './onnx-model.js';
import { channelsLastOrder } from './onnx.js';
import { numel } from './onnx-tensors.js';

export type RuntimeOutputs = { logits: number[][] } | { unavailable: string };

/** Runs `file` on frames given in stream (NHWC) order; returns one output vector per frame. */
export async function runOnnxRuntime(file: string, frames: readonly Float64Array[]): Promise<RuntimeOutputs> {
  const model = readOnnxModel(file);
  const custom = model.nodes.find((n) => n.domain && n.domain !== 'ai.onnx');
  if (custom) return { unavailable: `node '${custom.name}' is ${custom.domain}'s ${custom.opType}, which onnxruntime does not run` };
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    return { unavailable: `onnxruntime-node does not load here: ${(e as Error).message.split('\n')[0]}` };
  }
  const input = model.inputs[0];
  const frameDims = input.dims.slice(1);
  const order = channelsLastOrder(frameDims);
  const n = numel(frameDims);
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  const logits: number[][] = [];
  try {
    for (const f of frames) {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = f[order[i]];
      const out = await session.run({ [input.name]: new ort.Tensor('float32', data, [1, ...frameDims]) });
      logits.push(Array.from(out[session.outputNames[0]].data as Float32Array));
    }
  } finally {
    await session.release();
  }
  return { logits };
}
