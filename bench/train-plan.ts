/**
 * The runs of `npm run bench:train`: each one real command of qtsc's CLI (or
 * the memory probe), with an id, the section it belongs to and what it
 * measures. Outputs go to out/bench-train/<id>.
 */
import * as path from 'node:path';

export type Section = 'mlp' | 'cnn' | 'cnn-full' | 'cnn-long' | 'mu' | 'seeds' | 'cost' | 'ptq' | 'e2e' | 'speed';

export interface Run {
  id: string;
  section: Section;
  /** 'qtsc': src/cli/main.ts <argv>; 'probe': bench/train-probe.ts <argv>; 'pytorch': python3 bench/pytorch-speed.py <argv>. */
  tool: 'qtsc' | 'probe' | 'pytorch';
  argv: string[];
  /** The run's output directory (relative to the repository root), when it has one. */
  out?: string;
  /** Ids of runs whose output this one reads. */
  after?: string[];
  meta: Record<string, string | number>;
}

export interface PlanOptions {
  /** Epochs of the MNIST MLP runs. */
  mlpEpochs: number;
  /** Epochs of the Fashion-MNIST CNN runs. */
  cnnEpochs: number;
  /** Epochs of the CNN runs on the whole Fashion-MNIST (60,000 / 10,000 images). */
  cnnFullEpochs: number;
  /** Epochs of the longer whole-Fashion-MNIST CNN runs (section cnn-long). */
  cnnLongEpochs: number;
  /** Directory (relative) of the Fashion-MNIST subset the CNN trains on. */
  fashionDir: string;
  /** A tiny subset for the CPU-backend CNN speed run. */
  fashionTinyDir: string;
  /** A small subset for the wasm-backend CNN speed run. */
  fashionSpeedDir: string;
}

export const WORK = path.join('out', 'bench-train');

const MLP_METHODS = ['rdhs', 'sgt', 'ste'] as const;

function train(id: string, section: Section, args: string[], meta: Record<string, string | number>): Run {
  const out = path.join(WORK, id);
  return { id, section, tool: 'qtsc', argv: ['train', ...args, '--quiet', '--out', out], out, meta };
}

export function plan(o: PlanOptions): Run[] {
  const runs: Run[] = [];
  const mlp = (method: string, space: string, act: number, extra: string[] = []) => [
    '--dataset', 'mnist', '--arch', 'mlp', '--method', method, '--value-space', space, '--act-bits', String(act),
    '--epochs', String(o.mlpEpochs), '--seed', '1', '--backend', 'wasm', ...extra,
  ];
  // (a) MNIST MLP: FP32 and each method, binary / pow2-2 / pow2-3 weights, 4-bit and float activations
  for (const act of [4, 0]) runs.push(train(`mlp-fp-act${act}`, 'mlp', mlp('fp', 'binary', act), { method: 'fp', space: 'float32', act }));
  for (const space of ['binary', 'pow2-2', 'pow2-3']) {
    for (const method of MLP_METHODS) runs.push(train(`mlp-${method}-${space}-act4`, 'mlp', mlp(method, space, 4), { method, space, act: 4 }));
  }
  runs.push(train('mlp-xnor-binary-act4', 'mlp', mlp('xnor', 'binary', 4), { method: 'xnor', space: 'binary', act: 4 }));
  for (const method of MLP_METHODS) runs.push(train(`mlp-${method}-binary-act0`, 'mlp', mlp(method, 'binary', 0), { method, space: 'binary', act: 0 }));
  // the paper's setting: float ReLU activations and float first and last layers
  for (const method of ['rdhs', 'sgt'] as const) {
    runs.push(train(`mlp-${method}-binary-act0-float-edges`, 'mlp', mlp(method, 'binary', 0, ['--first-last', 'float']), { method, space: 'binary', act: 0, firstLast: 'float' }));
  }
  // (b) Fashion-MNIST CNN (a subset; see the table)
  const cnn = (method: string, space: string, act: number, extra: string[] = []) => [
    '--dataset', o.fashionDir, '--arch', 'cnn', '--method', method, '--value-space', space, '--act-bits', String(act),
    '--epochs', String(o.cnnEpochs), '--seed', '1', '--backend', 'wasm', ...extra,
  ];
  // the same grid as the MLP: FP32, then each method for binary / pow2-2 / pow2-3 weights, 4-bit and float activations
  for (const act of [4, 0]) runs.push(train(`cnn-fp-act${act}`, 'cnn', cnn('fp', 'binary', act), { method: 'fp', space: 'float32', act }));
  for (const space of ['binary', 'pow2-2', 'pow2-3']) {
    for (const method of MLP_METHODS) runs.push(train(`cnn-${method}-${space}-act4`, 'cnn', cnn(method, space, 4), { method, space, act: 4 }));
  }
  for (const method of MLP_METHODS) runs.push(train(`cnn-${method}-binary-act0`, 'cnn', cnn(method, 'binary', 0), { method, space: 'binary', act: 0 }));
  // the paper's setting: first and last layers float (everything else binary)
  for (const method of ['rdhs', 'sgt'] as const) {
    runs.push(train(`cnn-${method}-binary-act4-float-edges`, 'cnn', cnn(method, 'binary', 4, ['--first-last', 'float']), { method, space: 'binary', act: 4, firstLast: 'float' }));
  }
  // ... and with float ReLU activations too (the paper's whole setting)
  for (const method of ['rdhs', 'sgt'] as const) {
    runs.push(train(`cnn-${method}-binary-act0-float-edges`, 'cnn', cnn(method, 'binary', 0, ['--first-last', 'float']), { method, space: 'binary', act: 0, firstLast: 'float' }));
  }
  // (b') the binary and pow2-3 targets on the whole of Fashion-MNIST, longer
  const full = (method: string, space: string) => [
    '--dataset', 'fashion-mnist', '--arch', 'cnn', '--method', method, '--value-space', space, '--act-bits', '4',
    '--epochs', String(o.cnnFullEpochs), '--seed', '1', '--backend', 'wasm',
  ];
  runs.push(train('cnn-full-fp-act4', 'cnn-full', full('fp', 'binary'), { method: 'fp', space: 'float32', act: 4 }));
  for (const space of ['binary', 'pow2-3']) {
    for (const method of ['sgt', 'rdhs'] as const) runs.push(train(`cnn-full-${method}-${space}-act4`, 'cnn-full', full(method, space), { method, space, act: 4 }));
  }
  // binary with float first and last layers (the paper's setting)
  for (const method of ['sgt', 'rdhs'] as const) {
    runs.push(train(`cnn-full-${method}-binary-act4-float-edges`, 'cnn-full', [...full(method, 'binary'), '--first-last', 'float'], { method, space: 'binary', act: 4, firstLast: 'float' }));
  }
  // the search started from the trained FP32 network (--init-from: each weight's nearest candidate gets the largest logit)
  const fpFull = path.join(WORK, 'cnn-full-fp-act4');
  for (const space of ['pow2-3', 'binary']) {
    for (const method of ['sgt', 'rdhs'] as const) {
      const r = train(`cnn-full-${method}-${space}-act4-init`, 'cnn-full', [...full(method, space), '--init-from', fpFull], { method, space, act: 4, init: 'FP32' });
      runs.push({ ...r, after: ['cnn-full-fp-act4'] });
    }
  }
  // (b'') the same targets with a longer schedule: FP32 and the searches that came closest at 4 epochs
  const long = (method: string, space: string) => [
    '--dataset', 'fashion-mnist', '--arch', 'cnn', '--method', method, '--value-space', space, '--act-bits', '4',
    '--epochs', String(o.cnnLongEpochs), '--seed', '1', '--backend', 'wasm',
  ];
  runs.push(train('cnn-long-fp-act4', 'cnn-long', long('fp', 'binary'), { method: 'fp', space: 'float32', act: 4 }));
  const fpLong = path.join(WORK, 'cnn-long-fp-act4');
  const afterFp = (r: Run): Run => ({ ...r, after: ['cnn-long-fp-act4'] });
  const binary = (method: string) => train(`cnn-long-${method}-binary-act4`, 'cnn-long', long(method, 'binary'), { method, space: 'binary', act: 4 });
  // pow2-3 searched from the FP32 network (--init-from)
  const pow2Init = (method: string) => afterFp(train(`cnn-long-${method}-pow2-3-act4-init`, 'cnn-long', [...long(method, 'pow2-3'), '--init-from', fpLong], { method, space: 'pow2-3', act: 4, init: 'FP32' }));
  // the FP32 network as teacher (--teacher: its class probabilities are the targets)
  const binaryKd = (method: string) => afterFp(train(`cnn-long-${method}-binary-act4-kd`, 'cnn-long', [...long(method, 'binary'), '--teacher', fpLong], { method, space: 'binary', act: 4, teacher: 'FP32' }));
  const pow2InitKd = (method: string) =>
    afterFp(train(`cnn-long-${method}-pow2-3-act4-init-kd`, 'cnn-long', [...long(method, 'pow2-3'), '--init-from', fpLong, '--teacher', fpLong], { method, space: 'pow2-3', act: 4, init: 'FP32', teacher: 'FP32' }));
  // in the order they start with two jobs: SGT first (it came closer at 4 epochs)
  runs.push(binary('sgt'), pow2Init('sgt'), binaryKd('sgt'), binary('rdhs'), pow2InitKd('sgt'), pow2Init('rdhs'), binaryKd('rdhs'));
  // (c) mu ablation (mu = 0 is mlp-rdhs-binary-act4)
  for (const mu of ['0.001', '0.01', '0.1']) runs.push(train(`mlp-rdhs-binary-act4-mu${mu}`, 'mu', mlp('rdhs', 'binary', 4, ['--mu', mu]), { method: 'rdhs', space: 'binary', act: 4, mu }));
  // (c') seeds: the MLP targets that are met by margins near the noise, and the mu ablation after the noise fixes (3 epochs)
  const withSeed = (args: string[], seed: number) => args.map((a, k) => (args[k - 1] === '--seed' ? String(seed) : a));
  for (const seed of [2, 3]) {
    runs.push(train(`seed-mlp-fp-act4-s${seed}`, 'seeds', withSeed(mlp('fp', 'binary', 4), seed), { method: 'fp', space: 'float32', act: 4, seed, of: 'mlp-fp-act4' }));
    for (const method of ['rdhs', 'sgt'] as const) {
      for (const space of ['binary', 'pow2-3'] as const) {
        runs.push(train(`seed-mlp-${method}-${space}-act4-s${seed}`, 'seeds', withSeed(mlp(method, space, 4), seed), { method, space, act: 4, seed, of: `mlp-${method}-${space}-act4` }));
      }
    }
  }
  // the CNN targets met by margins near the noise (pow2-3 searched from the FP32 model, 10 epochs): seeds 2 and 3 of the
  // search, each from the same seed-1 FP32 network, so the spread is that of the search alone
  for (const seed of [2, 3]) {
    for (const method of ['rdhs', 'sgt'] as const) {
      const r = pow2Init(method);
      runs.push({ ...r, ...train(`seed-${r.id}-s${seed}`, 'seeds', withSeed(r.argv.slice(1, r.argv.indexOf('--quiet')), seed), { ...r.meta, seed, of: r.id }), after: r.after });
    }
  }
  for (const mu of ['0', '0.001', '0.01']) {
    for (const seed of [1, 2, 3]) {
      const args = withSeed(mlp('rdhs', 'binary', 4, ['--mu', mu]), seed).map((a, k, all) => (all[k - 1] === '--epochs' ? '3' : a));
      runs.push(train(`mu3-rdhs-binary-act4-mu${mu}-s${seed}`, 'seeds', args, { method: 'rdhs', space: 'binary', act: 4, mu, seed }));
    }
  }
  // (d) memory of one training step, per method (time per epoch comes from the runs above)
  for (const arch of ['mlp', 'cnn'] as const) {
    for (const method of ['fp', 'rdhs', 'sgt'] as const) {
      runs.push({ id: `probe-${arch}-${method}`, section: 'cost', tool: 'probe', argv: ['--arch', arch, '--method', method, '--value-space', 'binary', '--act-bits', '4', '--batch-size', '100', '--backend', 'wasm'], meta: { arch, method } });
    }
  }
  // (e) data-free PTQ of the FP32 MLP (float activations: weights are the only quantized part)
  const fpModel = path.join(WORK, 'mlp-fp-act0');
  for (const granularity of ['channel', 'tensor'] as const) {
    for (const scheme of ['asym', 'sym', 'pow2'] as const) {
      for (let bits = 8; bits >= 2; bits--) {
        const id = `ptq-${scheme}-${bits}-${granularity}`;
        const out = path.join(WORK, id);
        runs.push({
          id, section: 'ptq', tool: 'qtsc', out, after: ['mlp-fp-act0'],
          argv: ['quantize', '--model', fpModel, '--scheme', scheme, '--bits', String(bits), '--granularity', granularity, '--eval', 'mnist', '--backend', 'wasm', '--quiet', '--out', out],
          meta: { scheme, bits, granularity },
        });
      }
    }
  }
  // (f) end to end: trained + frozen -> gen-hw -> Verilator on all 2,000 test digits
  for (const [name, model] of [['rdhs-binary-act4', path.join(WORK, 'mlp-rdhs-binary-act4')], ['example', '']] as const) {
    const hw = path.join(WORK, `hw-${name}`);
    runs.push({ id: `e2e-${name}-gen-hw`, section: 'e2e', tool: 'qtsc', out: hw, after: model ? ['mlp-rdhs-binary-act4'] : [], argv: ['gen-hw', ...(model ? ['--model', model] : []), '--out', hw, '--quiet'], meta: { model: name } });
    runs.push({ id: `e2e-${name}-sim`, section: 'e2e', tool: 'qtsc', out: hw, after: [`e2e-${name}-gen-hw`], argv: ['sim', '--out', hw, '--data', 'mnist', '--vectors', '2000'], meta: { model: name } });
  }
  // images/s per backend (FP32), one epoch each, run alone
  runs.push(train('speed-mlp-fp-wasm', 'speed', ['--dataset', 'mnist', '--arch', 'mlp', '--method', 'fp', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'wasm'], { arch: 'mlp', backend: 'wasm' }));
  runs.push(train('speed-cnn-fp-wasm', 'speed', ['--dataset', o.fashionSpeedDir, '--arch', 'cnn', '--method', 'fp', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'wasm'], { arch: 'cnn', backend: 'wasm' }));
  runs.push(train('speed-mlp-fp-cpu', 'speed', ['--dataset', 'mnist', '--arch', 'mlp', '--method', 'fp', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'cpu'], { arch: 'mlp', backend: 'cpu' }));
  // the searches' own speed on wasm, one epoch each, run alone
  for (const method of ['rdhs', 'sgt'] as const) {
    runs.push(train(`speed-mlp-${method}-wasm`, 'speed', ['--dataset', 'mnist', '--arch', 'mlp', '--method', method, '--value-space', 'binary', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'wasm'], { arch: 'mlp', backend: 'wasm', method }));
    runs.push(train(`speed-cnn-${method}-wasm`, 'speed', ['--dataset', o.fashionSpeedDir, '--arch', 'cnn', '--method', method, '--value-space', 'binary', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'wasm'], { arch: 'cnn', backend: 'wasm', method }));
  }
  runs.push(train('speed-cnn-fp-cpu', 'speed', ['--dataset', o.fashionTinyDir, '--arch', 'cnn', '--method', 'fp', '--act-bits', '4', '--epochs', '1', '--seed', '1', '--backend', 'cpu'], { arch: 'cnn', backend: 'cpu' }));
  // the same FP32 models' step time in tfjs (float ReLU too) and in PyTorch on this machine, 2 threads (when python3-torch is installed)
  for (const arch of ['mlp', 'cnn'] as const) {
    runs.push({ id: `probe-${arch}-fp-act0`, section: 'speed', tool: 'probe', argv: ['--arch', arch, '--method', 'fp', '--value-space', 'binary', '--act-bits', '0', '--batch-size', '100', '--backend', 'wasm'], meta: { arch, act: 0 } });
    for (const act of [4, 0]) {
      runs.push({ id: `pytorch-${arch}-act${act}`, section: 'speed', tool: 'pytorch', argv: ['--arch', arch, '--act-bits', String(act), '--batch-size', '100', '--threads', '2'], meta: { arch, act } });
    }
  }
  return runs;
}
