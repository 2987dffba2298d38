/** Analytic estimates: cycles per node and per frame, LUT/FF/BRAM/DSP per node. */
export { estimateCycles, framesPerSecond, PIPELINE_STAGES_PER_NODE, type CycleEstimate, type NodeCycles } from './cycles.js';
export {
  DEFAULT_COEFFICIENTS,
  bramUnits,
  constantWeights,
  estimateNode,
  estimateResources,
  estimateTop,
  fitCoefficients,
  laneUsesDsp,
  lutFeatures,
  nodeLutFeatures,
  paramRomWords,
  romColumns,
  weightRomWords,
  skidCost,
  widthConvCost,
  memoryCost,
  type Coefficients,
  type NodeResources,
  type ResourceEstimate,
  type Resources,
} from './resources.js';
