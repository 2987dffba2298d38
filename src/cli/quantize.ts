/**
 * `qtsc quantize`: data-free post-training quantization (paper 002) of a
 * float model's Dense, Conv2D and DepthwiseConv2D kernels. Writes, all or nothing:
 *
 * OUT/model.json + weights.bin   the quantized, deployable model
 * OUT/ptq-stats.json             bit-efficiency statistics per layer and channel
 * OUT/ptq-report.md              the same for people, histograms drawn as text
 *
 * The last line printed is `quantized: ...` (with --eval, the accuracies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
// a static import: under tsx a dynamic one can load a second copy of the layer
// modules, whose registration would replace the classes already registered
import { evaluatePair } from '../quantize/evaluate.js';
import { GRANULARITIES } from '../quantize/kernel-quantizer.js';
import { writeModelFile } from '../quantize/model-file.js';
import { quantizeModel } from '../quantize/quantize-model.js';
import { ptqReportMarkdown } from '../quantize/report.js';
import { MAX_BITS, MIN_BITS, SCHEMES } from '../quantize/schemes.js';
import { withOutputDir } from '../util/output-dir.js';
import { intArg, parseOptions, type OptionSpec } from './args.js';
import { progressLog } from './progress.js';

export const QUANTIZE_USAGE = `usage: qtsc quantize --model DIR --scheme asym|sym|pow2 --bits N --out DIR [options]

Data-free post-training quantization of every Dense / Conv2D / DepthwiseConv2D
kernel (biases, BatchNormalization and activations are kept). Kernels whose
values form a multiplier-free value space ({-c,+c} or ±c·2^-k, e.g. pow2 at
any width, or sym at 2 bits per tensor) are written as QtscDense / QtscConv2D /
QtscDepthwiseConv2D with that value space, which gen-hw compiles with no extra
flags; the others as plain Dense / Conv2D / DepthwiseConv2D holding the
dequantized values.

  --model DIR                tfjs Layers model directory (a frozen float model)
  --scheme asym|sym|pow2     uniform asymmetric (min/max, zero point), uniform
                             symmetric (max|x|), power of two (sign + exponent)
  --bits N                   bits per weight (asym, pow2: 1..${MAX_BITS}; sym: 2..${MAX_BITS})
  --granularity channel|tensor   one quantizer per output channel (default) or
                             one per kernel
  --bins N                   histogram bins in the statistics (default 32)
  --eval SOURCE              also measure test accuracy of the float and the
                             quantized model: mnist | fashion-mnist | PATH
  --backend auto|node|wasm|cpu   tfjs backend for --eval (default auto)
  --quiet                    print only the result line
  --out DIR                  output directory (written all or nothing)`;

const SPEC: OptionSpec = {
  model: { type: 'string' },
  scheme: { type: 'string' },
  bits: { type: 'string' },
  granularity: { type: 'string' },
  bins: { type: 'string' },
  eval: { type: 'string' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  out: { type: 'string' },
};

const QuantizeArgsSchema = z
  .object({
    model: z.string({ error: 'required: the model directory' }).min(1),
    scheme: z.enum(SCHEMES, { error: `required: one of ${SCHEMES.join(', ')}` }),
    bits: intArg(1, MAX_BITS),
    granularity: z.enum(GRANULARITIES).default('channel'),
    bins: intArg(1, 4096).default(32),
    eval: z.string().min(1).optional(),
    backend: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
    quiet: z.boolean().default(false),
    out: z.string({ error: 'required: the output directory' }).min(1),
  })
  .refine((a) => a.bits >= MIN_BITS[a.scheme], { path: ['bits'], message: `sym needs at least ${MIN_BITS.sym} bits (a sign and one magnitude level)` });

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export async function quantizeCommand(argv: string[]): Promise<number> {
  const a = parseOptions('quantize', argv, SPEC, QuantizeArgsSchema);
  const log = progressLog('quantize', a.quiet);
  const { model, stats } = quantizeModel(path.resolve(a.model), { scheme: a.scheme, bits: a.bits, granularity: a.granularity, bins: a.bins });
  for (const l of stats.layers) {
    log(`${l.layer} [${l.shape.join('x')}] -> ${l.outputClassName} (${l.hardware}); ${(l.levelsUsedFraction * 100).toFixed(1)}% of ${l.levelsPerQuantizer} levels used, SQNR ${l.sqnrDb === null ? 'exact' : `${l.sqnrDb.toFixed(1)} dB`}, codes gzip ${l.sizes.codesGzipBitsPerWeight.toFixed(2)} bits/weight`);
  }
  const out = path.resolve(a.out);
  await withOutputDir(out, async (staging) => {
    writeModelFile(staging, model);
    if (a.eval !== undefined) {
      stats.evaluation = await evaluatePair(path.resolve(a.model), staging, a.eval, a.backend);
    }
    fs.writeFileSync(path.join(staging, 'ptq-stats.json'), JSON.stringify(stats, roundNumbers) + '\n');
    fs.writeFileSync(path.join(staging, 'ptq-report.md'), ptqReportMarkdown(stats));
  });
  log(`wrote ${out}`);
  const t = stats.totals;
  const head = `quantized: ${a.scheme} ${a.bits} bits per ${a.granularity}, ${stats.layers.length} layers (${t.multiplierFreeLayers} multiplier-free), codes ${t.packedBytes} bytes packed, ${t.codesGzipBytes} gzipped`;
  const e = stats.evaluation;
  console.log(e ? `${head}; test accuracy ${pct(e.floatAccuracy)} float, ${pct(e.quantizedAccuracy)} quantized` : head);
  return 0;
}

/** JSON replacer: 7 significant digits for non-integers (the file stays small; float32 has about 7). */
function roundNumbers(_key: string, v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(7)) : v;
}
