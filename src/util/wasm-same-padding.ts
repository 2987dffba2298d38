/**
 * tfjs' wasm backend computes wrong 'same'-padded convolutions when a stride
 * exceeds the (dilated) kernel size so far that TF's padding would be
 * negative, e.g. a 1x1 kernel with stride 2 on an even input: it returns
 * zeros or shifted values where TF and the cpu backend give the strided
 * samples. Explicit padding does not have the problem, so this wraps the wasm
 * Conv2D, FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2D kernels
 * to replace pad 'same' by TF's explicit padding (per axis of length n, kernel
 * k, stride s: ceil(n/s) outputs, total max((out-1)*s + k - n, 0), the smaller
 * half before). Idempotent.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = { shape: number[] };

const KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'];

let installed = false;

function pair(v: number | number[] | undefined | null): [number, number] {
  if (v == null) return [1, 1];
  return Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
}

/** TF's [before, after] padding of one axis for 'same'. */
function sameAxis(n: number, k: number, s: number, d: number): [number, number] {
  const keff = (k - 1) * d + 1;
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + keff - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function installWasmSamePadding(): void {
  if (installed) return;
  installed = true;
  for (const name of KERNELS) {
    const orig = tf.getKernel(name, 'wasm');
    if (!orig) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...orig,
      kernelFunc: (args) => {
        const attrs = args.attrs as { pad: unknown; strides: number | number[]; dilations?: number | number[]; dataFormat?: string };
        const inputs = args.inputs as unknown as { x: TensorInfo; filter: TensorInfo };
        const channelsLast = attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';
        if (attrs.pad !== 'same' || !channelsLast || inputs.x.shape.length !== 4) return orig.kernelFunc(args);
        const [sh, sw] = pair(attrs.strides);
        const [dh, dw] = pair(attrs.dilations);
        const [, h, w] = inputs.x.shape;
        const [kh, kw] = inputs.filter.shape;
        const pad = [[0, 0], sameAxis(h, kh, sh, dh), sameAxis(w, kw, sw, dw), [0, 0]];
        return orig.kernelFunc({ ...args, attrs: { ...args.attrs, pad } as never });
      },
    });
  }
}
