/**
 * tf.conv2d whose gradients run the backend's own Conv2DBackpropInput /
 * Conv2DBackpropFilter kernels directly, whatever Conv2D gradient is
 * registered (installFastGradients replaces it on wasm and cpu): the
 * reference the training ops' gradients are tested against.
 */
import * as tf from '@tensorflow/tfjs';

type CGF = Parameters<typeof tf.customGrad>[0];

export function stockConv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number] | number, padding: 'same' | 'valid'): tf.Tensor4D {
  const op = tf.customGrad(((xi: tf.Tensor4D, wi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, strides, padding),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: sw }, { strides, pad: padding, dataFormat: 'NHWC', inputShape: sx.shape }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy }, { strides, pad: padding, dataFormat: 'NHWC', filterShape: sw.shape }) as tf.Tensor,
      ],
    };
  }) as unknown as CGF);
  return op(x, w) as tf.Tensor4D;
}
