/**
 * `qtsc train`: trains a network by weight search (or a baseline method),
 * freezes it into the deployable model format and writes it to --out.
 *
 * OUT/model.json + weights.bin   the frozen model (gen-hw's input)
 * OUT/training.json              options, per-epoch results, test accuracy
 * OUT/checkpoint/                the training model after the last finished
 *                                epoch, its optimizer state and progress;
 *                                rerunning the same command resumes from it
 *
 * The last line printed is `test accuracy: NN.NN%`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { channelsOf, describeImageSize, loadDataset, numClasses, type Dataset } from '../data/dataset.js';
import { fileSaveHandler, loadArtifacts } from '../importers/tfjs-artifacts.js';
import { parseValueSpaceArg, type ValueSpace } from '../layers/value-space.js';
import { buildCnn, buildCnnDw, buildMlp, defaultLossScale, DEFAULT_CNN_DW_BLOCKS, DEFAULT_CNN_DW_HIDDEN, DEFAULT_CNN_DW_STEM, DEFAULT_CNN_FILTERS, DEFAULT_CNN_HIDDEN, DEFAULT_MLP_HIDDEN } from '../train/arch.js';
import { freezeModel } from '../train/freeze.js';
import { Progress } from '../train/progress.js';
import { registerTrainLayers } from '../train/register.js';
import { divideByChannel, fitChannelScales, fitScale } from '../train/fit-scale.js';
import { isFloatMethod, isSearchable, SEARCH_METHODS } from '../train/search-kernel.js';
import { createOptimizer, DEFAULT_TRAIN_OPTIONS, evaluate, fit, imagesToTensor, inputShapeOf, recomputeBatchNormStats, type EpochResult, type Teacher, type TrainOptions } from '../train/trainer.js';
import { QtscError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import { initTf } from '../util/tf-backend.js';
import { intArg, numberArg, parseOptions, type OptionSpec } from './args.js';
import { progressWanted } from './progress.js';

export const TRAIN_USAGE = `usage: qtsc train --out DIR [options]

Trains a network whose weights lie in a value space, freezes it and writes the
deployable model (model.json + weights.bin) to DIR. Rerunning the same command
resumes from DIR/checkpoint.

  --dataset mnist|fashion-mnist|PATH  data (default mnist; PATH: an MNIST-layout IDX
                                      directory, a directory with one *train*.csv and
                                      one *test*.csv (.csv.gz too), or a single IDX
                                      image file or CSV file, split 80% train / 20% test)
  --labels FILE                       labels for an IDX image file (default: beside it)
  --image-size ROWSxCOLS[xCHANNELS]   image size of CSV data, e.g. 32x32x3 for RGB (each
                                      pixel's channels together) (default: square, one
                                      channel, from the number of pixels per line); IDX
                                      images with channels are [n, rows, cols, channels]
  --arch mlp|cnn|cnn-dw               mlp: 784-256-256-classes; cnn: conv32-pool-
                                      conv64-pool-fc128-classes; cnn-dw: conv3x3/2(16)-
                                      [dw3x3-pw32]-[dw3x3/2-pw64]-avgpool-classes,
                                      depthwise-separable (default mlp)
  --hidden N,N,...                    hidden widths of the dense layers
  --conv-form kernel|expand           how rdhs/sgt convolutions compute: one convolution
                                      with the effective kernel, or paper 000's channel
                                      expansion (same results, more memory and time;
                                      docs/training.md) (default kernel)
  --method rdhs|sgt|ste|xnor|fp|int8  weight search (rdhs, sgt), BinaryConnect-style
                                      rounding (ste), XNOR-Net (xnor), float (fp),
                                      symmetric per-tensor int8 (int8)
                                      (default rdhs)
  --value-space S                     binary, pow2-2, pow2-3 or numbers "a,b,c"
                                      (default binary)
  --act-bits N[,N...]                 0 float ReLU, 1 sign, N>=2 N-bit unsigned with a
                                      learned clip; one value for every activation layer
                                      or one per activation layer in order (default 4)
  --first-last space|float|int8       first and last layers in the value space, full
                                      precision as in the paper, or symmetric int8
                                      (gen-hw --allow-mult) (default space)
  --epochs N                          (default 10)
  --batch-size N                      (default 100)
  --optimizer adam|sgd                (default adam)
  --momentum X                        SGD momentum, 0..1 (default 0: plain SGD)
  --weight-decay X                    L2 weight decay on every trainable weight, search
                                      logits included (default 0)
  --lr X                              learning rate (default 0.01)
  --lr-schedule cosine|step           cosine decay to 1% of --lr at the last epoch, or
                                      steps: --lr times --lr-decay after each milestone
                                      (default cosine)
  --lr-milestones N,N,...             epochs after which the step schedule decays
                                      (default: half and three quarters of --epochs)
  --lr-decay X                        the step schedule's factor, 0..1 (default 0.1)
  --loss-scale X                      logits multiplier in the loss (default 1/sqrt(fan-in)
                                      of a quantized last layer, else 1)
  --mu X                              RDHS Gumbel noise weight (default 0)
  --tau X / --tau-decay X / --tau-min X   RDHS temperature schedule (1, 0.97, 1e-4)
  --tau-schedule per-epoch|run        per-epoch: tau times --tau-decay each epoch down to
                                      --tau-min; run: geometric from --tau at the first
                                      epoch to --tau-min at the last (default per-epoch)
  --init-from DIR                     start from a trained float model's weights (kernels scaled onto the value space)
  --teacher DIR                       distil from a trained model (e.g. the FP32 one): the
                                      targets are its class probabilities, at its own loss
                                      scale (from DIR/training.json, else 1)
  --teacher-weight X                  weight of the teacher's probabilities in the targets,
                                      the rest the one-hot labels (0..1, default 1)
  --seed N                            (default 1)
  --backend auto|node|wasm|cpu        (default auto)
  --stop-after N                      stop after N epochs in this run, leaving the
                                      checkpoint to resume from
  --quiet                             print only the result line
  --out DIR                           output directory (required)`;

const SPEC: OptionSpec = {
  dataset: { type: 'string' },
  labels: { type: 'string' },
  'image-size': { type: 'string' },
  arch: { type: 'string' },
  hidden: { type: 'string' },
  'conv-form': { type: 'string' },
  method: { type: 'string' },
  'value-space': { type: 'string' },
  'act-bits': { type: 'string' },
  'first-last': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  'lr-schedule': { type: 'string' },
  'lr-milestones': { type: 'string' },
  'lr-decay': { type: 'string' },
  'tau-schedule': { type: 'string' },
  'loss-scale': { type: 'string' },
  mu: { type: 'string' },
  tau: { type: 'string' },
  'tau-decay': { type: 'string' },
  'tau-min': { type: 'string' },
  'init-from': { type: 'string' },
  teacher: { type: 'string' },
  'teacher-weight': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  'stop-after': { type: 'string' },
  out: { type: 'string' },
};

const positive = () => numberArg().pipe(z.number().positive());

const TrainArgsSchema = z.object({
  dataset: z.string().min(1).default('mnist'),
  labels: z.string().optional(),
  'image-size': z
    .string()
    .regex(/^\d+x\d+(x\d+)?$/, 'expected ROWSxCOLS or ROWSxCOLSxCHANNELS, e.g. 28x28 or 32x32x3')
    .transform((s) => {
      const [rows, cols, channels] = s.split('x').map(Number);
      return channels === undefined ? { rows, cols } : { rows, cols, channels };
    })
    .refine((v) => v.rows >= 1 && v.cols >= 1 && (v.channels ?? 1) >= 1, 'rows, columns and channels must be at least 1')
    .optional(),
  arch: z.enum(['mlp', 'cnn', 'cnn-dw']).default('mlp'),
  hidden: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'expected widths separated by commas, e.g. 256,256')
    .transform((s) => s.split(',').map(Number))
    .refine((xs) => xs.every((x) => x >= 1), 'widths must be at least 1')
    .optional(),
  'conv-form': z.enum(['kernel', 'expand']).default('kernel'),
  method: z.enum(SEARCH_METHODS).default('rdhs'),
  'value-space': z
    .string()
    .default('binary')
    .transform((s, ctx) => {
      try {
        return parseValueSpaceArg(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  'act-bits': z
    .string()
    .regex(/^\d+(,\d+)*$/, 'expected bits (0..16), or one per activation layer separated by commas, e.g. 4 or 4,4,1')
    .transform((s) => s.split(',').map(Number))
    .refine((xs) => xs.every((x) => x <= 16), 'bits must be 0..16')
    // one value stays a number: checkpoints written before per-layer choices resume
    .transform((xs): number | number[] => (xs.length === 1 ? xs[0] : xs))
    .default(4),
  'first-last': z.enum(['space', 'float', 'int8']).default('space'),
  epochs: intArg(1, 100000).default(10),
  'batch-size': intArg(1, 100000).default(100),
  lr: positive().default(0.01),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  // no defaults here: given where they do not apply they are errors (checkCombination)
  momentum: numberArg().pipe(z.number().min(0).lt(1, 'must be below 1')).optional(),
  'weight-decay': numberArg().pipe(z.number().nonnegative()).default(0),
  'lr-schedule': z.enum(['cosine', 'step']).default('cosine'),
  'lr-milestones': z
    .string()
    .regex(/^\d+(,\d+)*$/, 'expected epoch counts separated by commas, e.g. 30,60')
    .transform((s) => s.split(',').map(Number))
    .refine((xs) => xs.every((x) => x >= 1), 'milestones must be at least 1')
    .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]), 'milestones must increase')
    .optional(),
  'lr-decay': numberArg().pipe(z.number().positive().max(1)).optional(),
  'tau-schedule': z.enum(['per-epoch', 'run']).default('per-epoch'),
  'loss-scale': positive().optional(),
  mu: numberArg().pipe(z.number().nonnegative()).default(0),
  tau: positive().default(DEFAULT_TRAIN_OPTIONS.tau0),
  // no default here: with --tau-schedule run it is an error (checkCombination)
  'tau-decay': numberArg().pipe(z.number().positive().max(1)).optional(),
  'tau-min': positive().default(DEFAULT_TRAIN_OPTIONS.tauMin),
  'init-from': z.string().optional(),
  teacher: z.string().min(1).optional(),
  // no default here: given without --teacher it is an error (checkCombination)
  'teacher-weight': numberArg().pipe(z.number().min(0).max(1)).optional(),
  seed: intArg(0, 2 ** 31 - 1).default(1),
  backend: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  quiet: z.boolean().default(false),
  'stop-after': intArg(1, 100000).optional(),
  out: z.string({ error: 'required: the output directory' }).min(1),
});

type TrainArgs = z.infer<typeof TrainArgsSchema>;

/** "4-bit", "sign", "float" or a per-layer list such as "4-bit, 4-bit, sign". */
function describeActivations(bits: number | number[]): string {
  const one = (b: number) => (b === 0 ? 'float' : b === 1 ? 'sign' : `${b}-bit`);
  return typeof bits === 'number' ? one(bits) : `[${bits.map(one).join(', ')}]`;
}

/** --teacher-weight, default 1: only the teacher's probabilities. */
function teacherWeight(a: TrainArgs): number {
  return a['teacher-weight'] ?? 1;
}

/** --tau-decay, default 0.97. */
function tauDecay(a: TrainArgs): number {
  return a['tau-decay'] ?? DEFAULT_TRAIN_OPTIONS.tauDecay;
}

/** Checks between options; throws naming the option. */
function checkCombination(a: TrainArgs): void {
  if (a.momentum !== undefined && a.optimizer !== 'sgd') throw new QtscError("train: option '--momentum' applies to --optimizer sgd (Adam keeps its own moment estimates)");
  for (const opt of ['lr-milestones', 'lr-decay'] as const) {
    if (a[opt] !== undefined && a['lr-schedule'] !== 'step') throw new QtscError(`train: option '--${opt}' applies to --lr-schedule step`);
  }
  const late = a['lr-milestones']?.find((m) => m >= a.epochs);
  if (late !== undefined) throw new QtscError(`train: option '--lr-milestones': ${late} is not below --epochs ${a.epochs}, so it would never apply (milestone N decays the rate from epoch N+1 on)`);
  if (a['tau-schedule'] === 'run') {
    if (a['tau-decay'] !== undefined) throw new QtscError("train: option '--tau-decay' applies to --tau-schedule per-epoch; 'run' decays from --tau to --tau-min over the run");
    if (a['tau-min'] >= a.tau) throw new QtscError(`train: option '--tau-schedule run' needs --tau-min (${a['tau-min']}) below --tau (${a.tau})`);
  }
  if (a['teacher-weight'] !== undefined && !a.teacher) throw new QtscError("train: option '--teacher-weight' needs --teacher DIR");
  if (a['conv-form'] === 'expand') {
    if (a.arch === 'mlp') throw new QtscError("train: option '--conv-form': 'expand' applies to the convolutions of --arch cnn or cnn-dw, not mlp");
    if (a.method !== 'rdhs' && a.method !== 'sgt') throw new QtscError(`train: option '--conv-form': 'expand' needs --method rdhs or sgt (per-candidate masks), got '${a.method}'`);
  }
}

/** Options that define the run; a checkpoint is only resumed when they all match. */
function runIdentity(a: TrainArgs, inputShape: number[]): Record<string, unknown> {
  return {
    dataset: a.dataset,
    labels: a.labels ?? null,
    arch: a.arch,
    // absent for 'kernel', so that checkpoints written before the option existed still resume
    ...(a['conv-form'] === 'expand' ? { convForm: 'expand' } : {}),
    hidden: a.hidden ?? null,
    method: a.method,
    valueSpace: a['value-space'],
    actBits: a['act-bits'],
    firstLast: a['first-last'],
    batchSize: a['batch-size'],
    lr: a.lr,
    // the options below are absent at their defaults, so that checkpoints written before they existed still resume
    ...(a.optimizer !== 'adam' ? { optimizer: a.optimizer, momentum: a.momentum ?? 0 } : {}),
    ...(a['weight-decay'] > 0 ? { weightDecay: a['weight-decay'] } : {}),
    ...(a['lr-schedule'] !== 'cosine' ? { lrSchedule: a['lr-schedule'], lrMilestones: a['lr-milestones'] ?? null, lrDecay: a['lr-decay'] ?? DEFAULT_TRAIN_OPTIONS.lrDecay } : {}),
    lossScale: a['loss-scale'] ?? null,
    mu: a.mu,
    tau: a.tau,
    tauDecay: tauDecay(a),
    tauMin: a['tau-min'],
    ...(a['tau-schedule'] !== 'per-epoch' ? { tauSchedule: a['tau-schedule'] } : {}),
    initFrom: a['init-from'] ?? null,
    // absent without a teacher, so that checkpoints written before the option existed still resume
    ...(a.teacher ? { teacher: a.teacher, teacherWeight: teacherWeight(a) } : {}),
    seed: a.seed,
    inputShape,
  };
}

const StateSchema = z.object({
  version: z.literal(1),
  run: z.record(z.string(), z.unknown()),
  epochsDone: z.number().int().nonnegative(),
  results: z.array(z.record(z.string(), z.unknown())),
  optimizer: z.array(z.object({ name: z.string(), shape: z.array(z.number()), dtype: z.string() })),
});
type State = z.infer<typeof StateSchema>;

function sameRun(a: Record<string, unknown>, b: Record<string, unknown>): string | null {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  }
  return null;
}

async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: Omit<State, 'optimizer'>): Promise<void> {
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await model.save(fileSaveHandler(tmp));
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  fs.writeFileSync(path.join(tmp, 'optimizer.bin'), Buffer.from(data as ArrayBuffer));
  const full: State = { ...state, optimizer: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })) };
  fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(full, null, 1) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

function readState(dir: string): State | null {
  const file = path.join(dir, 'state.json');
  if (!fs.existsSync(file)) return null;
  return readJsonFile(file, StateSchema, `delete ${dir} to start over`);
}

async function loadOptimizerState(dir: string, state: State, optimizer: tf.Optimizer): Promise<void> {
  const bin = fs.readFileSync(path.join(dir, 'optimizer.bin'));
  const specs = state.optimizer as tf.io.WeightsManifestEntry[];
  const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length), specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] })));
}

/**
 * Copies kernels (and biases, BatchNorm statistics) of a float model onto the
 * training model, layer by layer in order. A searched kernel starts at the
 * candidates nearest to the float kernel divided by its fitted scale
 * (fit-scale.ts): per output channel when a BatchNormalization follows, whose
 * statistics then take the same scale, else one scale for the tensor, which
 * its bias shares.
 */
async function initFromFloat(model: tf.LayersModel, dir: string): Promise<void> {
  const src = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
  const kinds = (m: tf.LayersModel, bn: boolean) =>
    m.layers.filter((l) => (bn ? l.getClassName() === 'BatchNormalization' : isSearchable(l) || /^(Qtsc)?(Dense|Conv2D|DepthwiseConv2D)$/.test(l.getClassName())));
  const srcW = kinds(src, false);
  const dstW = kinds(model, false);
  if (srcW.length !== dstW.length) throw new QtscError(`${dir}: ${srcW.length} weight layers, the model being trained has ${dstW.length}`);
  /** BatchNormalization layers whose statistics follow a scaled kernel, with its scales. */
  const rescaledBn = new Map<tf.layers.Layer, Float32Array>();
  for (let i = 0; i < dstW.length; i++) {
    const s = srcW[i];
    const d = dstW[i];
    const [kernel, bias] = isSearchable(s) ? [s.frozenKernel(), s.getWeights()[1]] : s.getWeights();
    const want = d.getWeights()[0].shape;
    const shape = isSearchable(d) && (d.method === 'rdhs' || d.method === 'sgt') ? want.slice(0, -1) : want;
    if (JSON.stringify(kernel.shape) !== JSON.stringify(shape)) throw new QtscError(`${dir}: layer '${s.name}' has a kernel of shape [${kernel.shape}], '${d.name}' needs [${shape}]`);
    let scales: Float32Array | undefined;
    if (isSearchable(d) && !isFloatMethod(d.method)) {
      // the BatchNormalization after the layer, if any, has one statistic per output channel
      const next = model.layers[model.layers.indexOf(d) + 1];
      const bn = next?.getClassName() === 'BatchNormalization' ? next : undefined;
      scales = bn ? fitChannelScales(kernel.dataSync(), bn.getWeights()[0].size, d.values) : Float32Array.of(fitScale(kernel.dataSync(), d.values));
      if (bn) rescaledBn.set(bn, scales);
    }
    if (isSearchable(d)) d.initFromFloat(scales ? divideByChannel(kernel, scales) : kernel);
    if (bias && d.getWeights().length > 1 && (!isSearchable(d) || d.useBias)) {
      const ws = d.getWeights();
      ws[ws.length - 1] = scales ? divideByChannel(bias, scales) : bias;
      d.setWeights(ws);
    }
  }
  const srcBn = kinds(src, true);
  const dstBn = kinds(model, true);
  if (srcBn.length === dstBn.length) {
    for (let i = 0; i < dstBn.length; i++) {
      const scales = rescaledBn.get(dstBn[i]);
      const names = dstBn[i].weights.map((w) => w.originalName.split('/').pop());
      dstBn[i].setWeights(
        srcBn[i].getWeights().map((t, j) => {
          if (!scales) return t;
          if (names[j] === 'moving_mean') return divideByChannel(t, scales);
          if (names[j] === 'moving_variance') return divideByChannel(t, scales.map((v) => v * v));
          return t;
        }),
      );
    }
  }
}

const TeacherTrainingSchema = z.object({ lossScale: z.number().positive().optional() });

/**
 * The teacher model of --teacher: its layers model, checked against the
 * inputs and classes of the run, and the logit scale it was trained with.
 */
async function loadTeacher(dir: string, inputShape: number[], classes: number, weight: number): Promise<Teacher> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new QtscError(`--teacher ${dir}: no model.json there (give the directory qtsc train wrote the model to)`);
  const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
  const file = path.join(dir, 'model.json');
  const inShape = (model.inputs[0].shape as (number | null)[]).slice(1);
  if (JSON.stringify(inShape) !== JSON.stringify(inputShape)) throw new QtscError(`${file}: the teacher's input shape is [${inShape.join(', ')}], this run's inputs are [${inputShape.join(', ')}]`);
  const outShape = (model.outputs[0].shape as (number | null)[]).slice(1);
  if (outShape.length !== 1 || outShape[0] !== classes) throw new QtscError(`${file}: the teacher's output shape is [${outShape.join(', ')}], this run has ${classes} classes`);
  const summary = path.join(dir, 'training.json');
  const logitScale = fs.existsSync(summary) ? (readJsonFile(summary, TeacherTrainingSchema).lossScale ?? 1) : 1;
  return { model, logitScale, weight };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const a = parseOptions('train', argv, SPEC, TrainArgsSchema);
  checkCombination(a);
  const out = path.resolve(a.out);
  const progress = new Progress({ isTTY: Boolean(process.stderr.isTTY), write: (s) => process.stderr.write(s) }, !progressWanted(a.quiet));

  const backend = await initTf({ backend: a.backend });
  registerTrainLayers();
  const load = { labels: a.labels, imageSize: a['image-size'] };
  const train = await loadDataset(a.dataset, 'train', load);
  const test = await loadDataset(a.dataset, 'test', load);
  if (train.n === 0 || test.n === 0) throw new QtscError(`${a.dataset}: the train or test split is empty (a single file gives its first 80% of images to train, the rest to test)`);
  if (describeImageSize(train) !== describeImageSize(test)) {
    throw new QtscError(`${a.dataset}: train images are ${describeImageSize(train)}, test images ${describeImageSize(test)}; they must be the same size`);
  }
  const classes = Math.max(numClasses(train), numClasses(test));
  const layout = a.arch === 'mlp' ? 'flat' : 'image';
  // the CNNs take rows x cols x channels from the data
  const inputShape = inputShapeOf(train, layout);
  const run = runIdentity(a, inputShape);

  const ckptDir = path.join(out, 'checkpoint');
  const state = readState(ckptDir);
  if (state) {
    const differs = sameRun(state.run, run);
    if (differs !== null) {
      throw new QtscError(`${ckptDir}: the checkpoint was made with different options (${differs}: ${JSON.stringify(state.run[differs])} there, ${JSON.stringify(run[differs])} now); use another --out or delete ${ckptDir}`);
    }
  }

  let model: tf.LayersModel;
  if (state) {
    model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(ckptDir)));
  } else {
    const common = {
      method: a.method,
      valueSpace: a['value-space'] as ValueSpace,
      actBits: a['act-bits'],
      firstLast: a['first-last'],
      inputShape,
      numClasses: classes,
      seed: a.seed,
      mu: a.mu,
    };
    const convFormulation = a['conv-form'];
    model =
      a.arch === 'mlp'
        ? buildMlp({ ...common, hidden: a.hidden ?? DEFAULT_MLP_HIDDEN })
        : a.arch === 'cnn'
          ? buildCnn({ ...common, hidden: a.hidden ?? DEFAULT_CNN_HIDDEN, convFilters: DEFAULT_CNN_FILTERS, convFormulation })
          : buildCnnDw({ ...common, hidden: a.hidden ?? DEFAULT_CNN_DW_HIDDEN, stemFilters: DEFAULT_CNN_DW_STEM, blocks: DEFAULT_CNN_DW_BLOCKS, convFormulation });
    if (a['init-from']) await initFromFloat(model, path.resolve(a['init-from']));
  }

  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: a.epochs,
    batchSize: a['batch-size'],
    learningRate: a.lr,
    lossScale: a['loss-scale'] ?? defaultLossScale(model),
    seed: a.seed,
    tau0: a.tau,
    tauDecay: tauDecay(a),
    tauMin: a['tau-min'],
    tauSchedule: a['tau-schedule'],
    optimizer: a.optimizer,
    momentum: a.momentum ?? 0,
    weightDecay: a['weight-decay'],
    lrSchedule: a['lr-schedule'],
    lrMilestones: a['lr-milestones'],
    lrDecay: a['lr-decay'] ?? DEFAULT_TRAIN_OPTIONS.lrDecay,
  };
  const teacher = a.teacher ? await loadTeacher(path.resolve(a.teacher), inputShape, classes, teacherWeight(a)) : undefined;
  const optimizer = createOptimizer(options);
  const results: EpochResult[] = (state?.results ?? []) as unknown as EpochResult[];
  const startEpoch = state?.epochsDone ?? 0;
  // The optimizer's state (Adam's moments, SGD's momentum) is restored by position (the order of the trainable weights).
  if (state && startEpoch > 0) await loadOptimizerState(ckptDir, state, optimizer);

  const xTrain = imagesToTensor(train, layout);
  const xTest = imagesToTensor(test, layout);
  progress.info(
    `qtsc train: ${a.arch}${a['conv-form'] === 'expand' ? ' (expanded convolutions)' : ''} ${a.method} value space ${JSON.stringify(a['value-space'])}, ${describeActivations(a['act-bits'])} activations, first/last ${a['first-last']}; ` +
      `${a.dataset}: ${train.n} train / ${test.n} test; backend ${backend}` +
      (teacher ? `; distilling from ${a.teacher} (weight ${teacher.weight})` : '') +
      (startEpoch > 0 ? `; resuming after epoch ${startEpoch}` : ''),
  );
  const t0 = performance.now();
  if (startEpoch < options.epochs) {
    await fit({
      model,
      train: { x: xTrain, labels: train.labels },
      test: { x: xTest, labels: test.labels },
      numClasses: classes,
      teacher,
      options,
      optimizer,
      progress,
      startEpoch,
      stopEpoch: a['stop-after'] === undefined ? undefined : startEpoch + a['stop-after'],
      onEpochEnd: async (r, opt) => {
        results.push(r);
        await saveCheckpoint(ckptDir, model, opt, { version: 1, run, epochsDone: r.epoch + 1, results: results as unknown as Record<string, unknown>[] });
      },
    });
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  if (results.length < options.epochs) {
    progress.info(`stopped after epoch ${results.length} of ${options.epochs}; rerun the same command to resume`);
    console.log(`stopped after epoch ${results.length} of ${options.epochs} (checkpoint in ${ckptDir})`);
    xTrain.dispose();
    xTest.dispose();
    return 0;
  }

  recomputeBatchNormStats(model, xTrain);
  const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
  const accuracy = evaluate(frozen, xTest, test.labels);
  await frozen.save(fileSaveHandler(out));
  const summary = {
    command: `qtsc train ${argv.join(' ')}`,
    run,
    epochs: options.epochs,
    backend,
    lossScale: options.lossScale,
    dataset: { name: a.dataset, train: train.n, test: test.n, rows: train.rows, cols: train.cols, channels: channelsOf(train), classes },
    results,
    trainSecondsThisRun: trainSeconds,
    testAccuracy: accuracy,
  };
  fs.writeFileSync(path.join(out, 'training.json'), JSON.stringify(summary, null, 1) + '\n');
  progress.info(`wrote ${path.join(out, 'model.json')}`);
  console.log(`test accuracy: ${pct(accuracy)}`);
  xTrain.dispose();
  xTest.dispose();
  return 0;
}

export type { Dataset };
