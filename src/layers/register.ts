/**
 * Registration of qtsc's layer classes with tfjs' serialization registry.
 * tf.loadLayersModel ignores `customObjects`, so this must run before any
 * model that uses them is loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { QtscConv2D } from './qtsc-conv2d.js';
import { QtscDense } from './qtsc-dense.js';
import { QtscDepthwiseConv2D } from './qtsc-depthwise-conv2d.js';
import { QtscQuantAct } from './qtsc-quant-act.js';
import { QtscSign } from './qtsc-sign.js';

/** The class names of qtsc's model format, by class. */
export const QTSC_LAYER_CLASSES = {
  QtscSign,
  QtscQuantAct,
  QtscDense,
  QtscConv2D,
  QtscDepthwiseConv2D,
} as const;

let registered = false;

/** Registers every qtsc layer class; safe to call any number of times. */
export function registerQtscLayers(): void {
  if (registered) return;
  for (const cls of Object.values(QTSC_LAYER_CLASSES)) {
    tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  }
  registered = true;
}
