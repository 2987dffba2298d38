export * from './value-space.js';
export * from './ste.js';
export { QtscSign } from './qtsc-sign.js';
export { QtscQuantAct } from './qtsc-quant-act.js';
export { QtscDense } from './qtsc-dense.js';
export { QtscConv2D } from './qtsc-conv2d.js';
export { QtscDepthwiseConv2D } from './qtsc-depthwise-conv2d.js';
export { registerQtscLayers, QTSC_LAYER_CLASSES } from './register.js';
