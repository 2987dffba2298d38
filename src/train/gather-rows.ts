/**
 * Mini-batch rows of the training tensors. On the wasm backend tf.gather's
 * kernel is a scalar loop (about 3 ms for a batch of 100 images, as much as
 * the whole rest of an MLP step's input handling); there the rows are
 * copied in JS straight out of the backend's memory, which is contiguous
 * per row. Other backends use tf.gather.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type HeapBackend = { typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array };

/** x[idx[0]], x[idx[1]], ... along the first axis, as tf.gather(x, idx). */
export function gatherRows(x: tf.Tensor, idx: Int32Array): tf.Tensor {
  const n = x.shape[0];
  for (const i of idx) if (!(i >= 0 && i < n)) throw new Error(`gatherRows: index ${i} is outside [0, ${n})`);
  const backend = tf.backend() as unknown as Partial<HeapBackend>;
  if (tf.getBackend() !== 'wasm' || typeof backend.typedArrayFromHeap !== 'function' || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
    return tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32')));
  }
  const row = n === 0 ? 0 : x.size / n;
  // a view of the backend's memory: valid until the next allocation, so it is
  // read completely before the output tensor is made
  const src = backend.typedArrayFromHeap(x as unknown as TensorInfo);
  const out = x.dtype === 'float32' ? new Float32Array(idx.length * row) : new Int32Array(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * row, (idx[i] + 1) * row), i * row);
  return tf.tensor(out, [idx.length, ...x.shape.slice(1)], x.dtype);
}
