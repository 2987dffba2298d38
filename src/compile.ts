/**
 * The compiler pipeline, from a model directory to a hardware IR, as one
 * function the CLI, tests and benchmarks share:
 *   import -> value spaces -> (calibrate) -> lower -> fold.
 */
import type { Graph, InputQuant } from './ir/graph-ir.js';
import type { HardwareIR } from './ir/hardware-ir.js';
import { importTfjsLayers } from './importers/tfjs-layers.js';
import { importOnnx } from './importers/onnx.js';
import { runOnnxRuntime } from './importers/onnx-runtime.js';
import { assignValueSpaces } from './passes/assign-value-spaces.js';
import { type CalibrationNote, calibrateActivations } from './passes/calibrate-activations.js';
import { lowerToHardware, type LoweringNote } from './passes/lower-to-hardware.js';
import { autoFold, foldFromFile, readFoldFile } from './passes/choose-folding.js';
import { insertSkipFifos, insertWindowFifos } from './passes/skip-fifos.js';
import { dequantizeInput, runFloat } from './golden/float-model.js';
import { framesFromSource } from './golden/input-frames.js';
import { argmax, runGolden } from './golden/execute.js';
import { QtscError } from './util/errors.js';

export interface CompileOptions {
  model: string;
  valueSpace?: number[];
  /** A fold file path, or 'auto'. */
  fold?: string;
  targetCycles?: number;
  actBits?: number;
  calib?: string;
  calibSamples?: number;
  allowMult?: boolean;
  top?: string;
  inputQuant?: InputQuant;
  /** Progress messages (one line each). */
  log?: (line: string) => void;
}

export interface AccuracyReport {
  source: string;
  samples: number;
  /** The model as trained (float activations where it has them). */
  float: number;
  /** The model with calibrated activation quantizers, in float. */
  calibrated: number;
  /** The integer golden model (what the hardware computes). */
  hardware: number;
}

/** An ONNX model run in onnxruntime on the test frames, against what qtsc computes. */
export type RuntimeComparison =
  | {
      source: string;
      samples: number;
      /** Fraction of frames where onnxruntime's argmax is the float Graph IR's (the model as imported). */
      floatAgreement: number;
      /** ... and the integer golden model's (what the hardware computes). */
      hardwareAgreement: number;
    }
  | { source: string; skipped: string };

/** A .onnx file is an ONNX model; anything else a tfjs Layers model directory. */
export function isOnnxModel(model: string): boolean {
  return model.toLowerCase().endsWith('.onnx');
}

export interface Compiled {
  graph: Graph;
  ir: HardwareIR;
  loweringNotes: LoweringNote[];
  calibrationNotes: CalibrationNote[];
  accuracy?: AccuracyReport;
  onnxruntime?: RuntimeComparison;
}

/** Names that become Verilog module names must be identifiers. */
export function checkTopName(top: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(top)) throw new QtscError(`--top: '${top}' is not a Verilog identifier`);
  return top;
}

export async function compileModel(o: CompileOptions): Promise<Compiled> {
  const log = o.log ?? (() => {});
  const top = checkTopName(o.top ?? 'qtsc_top');
  log(`importing ${o.model}`);
  const onnx = isOnnxModel(o.model);
  const imported = onnx ? importOnnx(o.model, { inputQuant: o.inputQuant }) : importTfjsLayers(o.model, { inputQuant: o.inputQuant });
  let graph = assignValueSpaces(imported, { commandLine: o.valueSpace, allowMult: !!o.allowMult });
  let calibrationNotes: CalibrationNote[] = [];
  let accuracy: AccuracyReport | undefined;
  const asImported = graph;
  if (o.actBits !== undefined && !o.calib) throw new QtscError('--act-bits needs --calib SOURCE (mnist, fashion-mnist, an IDX or CSV file or a directory of them, or random)');
  if (o.calib && o.actBits === undefined && !onnx) throw new QtscError('--calib needs --act-bits N');
  if (o.calib && o.actBits !== undefined) {
    const count = o.calibSamples ?? 512;
    log(`calibrating ${o.actBits}-bit activations on ${count} samples from ${o.calib}`);
    const calib = await framesFromSource(o.calib, { count, inputLength: graph.inputLength, inputShape: graph.inputShape, input: graph.inputQuant, split: 'train' });
    const samples = calib.frames.map((f) => dequantizeInput(graph, f));
    const r = calibrateActivations(graph, samples, o.actBits);
    graph = r.graph;
    calibrationNotes = r.notes;
  }
  if (o.calib && o.calib !== 'random') {
    const test = await framesFromSource(o.calib, { count: 1000, inputLength: graph.inputLength, inputShape: graph.inputShape, input: graph.inputQuant, split: 'test' });
    if (test.labels) {
      const acc = (f: (frame: number[]) => number) => test.frames.filter((fr, i) => f(fr) === test.labels![i]).length / test.frames.length;
      accuracy = {
        source: o.calib,
        samples: test.frames.length,
        float: acc((fr) => argmax(runFloat(asImported, dequantizeInput(asImported, fr)).logits)),
        calibrated: acc((fr) => argmax(runFloat(graph, dequantizeInput(graph, fr)).logits)),
        hardware: NaN,
      };
    }
  }
  log('lowering to the hardware IR');
  const lowered = lowerToHardware(graph, { allowMult: !!o.allowMult, top });
  let ir = lowered.ir;
  if (o.fold && o.fold !== 'auto') ir = foldFromFile(ir, readFoldFile(o.fold), o.fold);
  else ir = autoFold(ir, { targetCycles: o.targetCycles });
  ir = insertSkipFifos(insertWindowFifos(ir));
  if (accuracy) {
    const test = await framesFromSource(accuracy.source, { count: accuracy.samples, inputLength: graph.inputLength, inputShape: graph.inputShape, input: graph.inputQuant, split: 'test' });
    accuracy.hardware = test.frames.filter((fr, i) => runGolden(ir, fr).argmax === test.labels![i]).length / test.frames.length;
  }
  let onnxruntime: RuntimeComparison | undefined;
  if (onnx && o.calib) {
    const test = await framesFromSource(o.calib, { count: o.calib === 'random' ? 200 : 1000, inputLength: graph.inputLength, inputShape: graph.inputShape, input: graph.inputQuant, split: 'test', seed: 2 });
    log(`running ${o.model} in onnxruntime on ${test.frames.length} frames of ${o.calib}`);
    const ort = await runOnnxRuntime(o.model, test.frames.map((f) => dequantizeInput(asImported, f)));
    if ('unavailable' in ort) onnxruntime = { source: o.calib, skipped: ort.unavailable };
    else {
      const agree = (f: (frame: number[]) => number) => test.frames.filter((fr, i) => f(fr) === argmax(ort.logits[i])).length / test.frames.length;
      onnxruntime = {
        source: o.calib,
        samples: test.frames.length,
        floatAgreement: agree((fr) => argmax(runFloat(asImported, dequantizeInput(asImported, fr)).logits)),
        hardwareAgreement: agree((fr) => runGolden(ir, fr).argmax),
      };
    }
  }
  return { graph, ir, loweringNotes: lowered.notes, calibrationNotes, accuracy, onnxruntime };
}
