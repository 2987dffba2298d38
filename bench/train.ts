/**
 * `npm run bench:train`: the training benchmark of issue 3. Every figure comes
 * from a real run of qtsc's own commands (train, quantize, gen-hw, sim) or of
 * the step probe (bench/train-probe.ts), each recorded with its exact command
 * in bench/train-results.json; the tables go into BENCHMARKS.md under
 * "## Training accuracy and speed" (only that section is rewritten).
 *
 * Runs whose record already holds a success with the same command are not
 * repeated, so an interrupted benchmark resumes (train runs also resume from
 * their own checkpoints). Options:
 *   --only a,b          sections: mlp, cnn, cnn-full, cnn-long, mu, cost, ptq, e2e, speed
 *   --rerun id,id       run these again even if recorded
 *   --jobs N            accuracy runs in parallel (default 2; the probes and
 *                       backend-speed runs always run alone)
 *   --mlp-epochs N      (default 5)   --cnn-epochs N (default 2)
 *   --cnn-full-epochs N epochs of the whole-Fashion-MNIST CNN runs (default 4)
 *   --cnn-long-epochs N epochs of its longer runs (section cnn-long, default 10)
 *   --fashion-train N   Fashion-MNIST training images for the CNN (default 10000)
 *   --fashion-test N    its test images (default 2000)
 *   --report-only       only rewrite the tables from the recorded results
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { subset } from '../src/data/dataset.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeIdx } from '../src/data/idx.js';
import { plan, WORK, type Run, type Section } from './train-plan.js';
import { renderSection, updateBenchmarksMd, type BenchResults, type RunRecord } from './train-report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, 'bench', 'train-results.json');

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    rerun: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    'mlp-epochs': { type: 'string', default: '5' },
    'cnn-epochs': { type: 'string', default: '2' },
    'cnn-full-epochs': { type: 'string', default: '4' },
    'cnn-long-epochs': { type: 'string', default: '10' },
    'fashion-train': { type: 'string', default: '10000' },
    'fashion-test': { type: 'string', default: '2000' },
    'report-only': { type: 'boolean', default: false },
  },
});

const fashionTrain = Number(opt['fashion-train']);
const fashionTest = Number(opt['fashion-test']);
const options = {
  mlpEpochs: Number(opt['mlp-epochs']),
  cnnEpochs: Number(opt['cnn-epochs']),
  cnnFullEpochs: Number(opt['cnn-full-epochs']),
  cnnLongEpochs: Number(opt['cnn-long-epochs']),
  fashionDir: path.join(WORK, 'data', `fashion-${fashionTrain}-${fashionTest}`),
  fashionTinyDir: path.join(WORK, 'data', 'fashion-300-100'),
  fashionSpeedDir: path.join(WORK, 'data', 'fashion-2000-500'),
};
const runs = plan(options);
const only = opt.only ? new Set(opt.only.split(',') as Section[]) : null;
const rerun = new Set(opt.rerun ? opt.rerun.split(',') : []);

function load(): BenchResults {
  if (fs.existsSync(resultsFile)) return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as BenchResults;
  return { format: 'qtsc-bench-train', version: 1, machine: machine(), runs: {} };
}

function machine(): BenchResults['machine'] {
  const tfjs = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')).version as string;
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, tfjs, platform: `${os.platform()} ${os.release()}` };
}

const results = load();
/** Ids of the runs this process recorded: only these overwrite the file's records. */
const recordedHere = new Set<string>();
/**
 * Writes the results, merged into what the file holds now, so that two
 * benchmark processes (different sections, say) do not drop each other's runs.
 */
function save(): void {
  if (fs.existsSync(resultsFile)) {
    const onDisk = load();
    for (const [id, rec] of Object.entries(onDisk.runs)) if (!recordedHere.has(id)) results.runs[id] = rec;
  }
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 1) + '\n');
  updateBenchmarksMd(path.join(root, 'BENCHMARKS.md'), renderSection(results, runs));
}

/** Debian's python3-torch installs into the system Python, which a python3 earlier on PATH (pyenv, venv) would not see. */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** What a run executes (program and arguments) and the same command as a user types it. */
function invocation(r: Run): { exe: string; args: string[]; shown: string } {
  const argv = r.argv.join(' ');
  if (r.tool === 'pytorch') return { exe: PYTHON, args: [path.join(root, 'bench', 'pytorch-speed.py'), ...r.argv], shown: `${PYTHON} bench/pytorch-speed.py ${argv}` };
  if (r.tool === 'probe') return { exe: process.execPath, args: ['--import', 'tsx', path.join(root, 'bench', 'train-probe.ts'), ...r.argv], shown: `npx tsx bench/train-probe.ts ${argv}` };
  const [cmd, ...rest] = r.argv;
  return { exe: process.execPath, args: ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), ...r.argv], shown: `npm run ${cmd} -- ${rest.join(' ')}` };
}

/** The command as a user types it. */
export function commandOf(r: Run): string {
  return invocation(r).shown;
}

/** Writes the first n train / m test Fashion-MNIST images as an MNIST-layout directory. */
function fashionSubset(dir: string, n: number, m: number): void {
  const abs = path.join(root, dir);
  if (fs.existsSync(path.join(abs, 't10k-labels-idx1-ubyte.gz'))) return;
  fs.mkdirSync(abs, { recursive: true });
  for (const [split, prefix, count] of [['train', 'train', n], ['test', 't10k', m]] as const) {
    const d = subset(loadFashionMnist(split), Array.from({ length: count }, (_, i) => i));
    fs.writeFileSync(path.join(abs, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx({ dtype: 'uint8', shape: [count, 28, 28], data: d.images })));
    fs.writeFileSync(path.join(abs, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(encodeIdx({ dtype: 'uint8', shape: [count], data: d.labels })));
  }
}

/** Peak resident set (VmHWM) of a live process, in bytes, or 0. */
function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function readJson(file: string): unknown {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** What a finished run produced, read from its output files. */
function harvest(r: Run, stdout: string): Record<string, unknown> {
  const out = r.out ? path.join(root, r.out) : '';
  if (r.tool === 'probe' || r.tool === 'pytorch') return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  const cmd = r.argv[0];
  if (cmd === 'train') {
    const t = readJson(path.join(out, 'training.json')) as { testAccuracy: number; backend: string; dataset: { train: number; test: number }; results: { seconds: number; imagesPerSecond: number; testAcc?: number }[] };
    const secs = t.results.reduce((s, e) => s + e.seconds, 0);
    const images = t.results.length * t.dataset.train;
    return {
      testAccuracy: t.testAccuracy,
      backend: t.backend,
      epochs: t.results.length,
      trainImages: t.dataset.train,
      testImages: t.dataset.test,
      trainSeconds: secs,
      secondsPerEpoch: secs / t.results.length,
      imagesPerSecond: images / secs,
      imagesPerSecondByEpoch: t.results.map((e) => e.imagesPerSecond),
    };
  }
  if (cmd === 'quantize') {
    const s = readJson(path.join(out, 'ptq-stats.json')) as { evaluation: unknown; totals: unknown; layers: { layer: string; hardware: string; levelsUsedFraction: number; sizes: { codesGzipBitsPerWeight: number }; sqnrDb: number | null }[] };
    return {
      evaluation: s.evaluation,
      totals: s.totals,
      layers: s.layers.map((l) => ({ layer: l.layer, hardware: l.hardware, levelsUsedFraction: l.levelsUsedFraction, codesGzipBitsPerWeight: l.sizes.codesGzipBitsPerWeight, sqnrDb: l.sqnrDb })),
    };
  }
  if (cmd === 'sim') return readJson(path.join(out, 'sim', 'result.json')) as Record<string, unknown>;
  return { stdout: stdout.trim().split('\n').pop() };
}

/**
 * A train run's output directory holds its checkpoint, which the train command
 * refuses to resume under other options: a directory left by a different
 * command (marked in .bench-command, or unmarked) is removed first; one left
 * by an interrupted run of the same command is resumed, unless the run is
 * asked for again (--rerun), which starts it afresh.
 */
function prepareOutput(r: Run): void {
  if (!r.out || r.argv[0] !== 'train') return;
  const out = path.join(root, r.out);
  const marker = path.join(out, '.bench-command');
  const stale = !fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== commandOf(r);
  if (fs.existsSync(out) && (stale || rerun.has(r.id))) fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(marker, commandOf(r));
}

function execute(r: Run): Promise<RunRecord> {
  prepareOutput(r);
  const { exe, args } = invocation(r);
  const logDir = path.join(root, WORK, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const log = fs.createWriteStream(path.join(logDir, `${r.id}.log`));
  const loadBefore = os.loadavg();
  const t0 = Date.now();
  return new Promise((resolve) => {
    // QTSC_PROGRESS=1: the per-epoch lines go to the run's log although stderr is a pipe
    const child = spawn(exe, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QTSC_PROGRESS: '1' } });
    let stdout = '';
    let stderrTail = '';
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, vmHwm(child.pid!))), 250);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      log.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-2000);
      log.write(d);
    });
    // a missing executable (python3 without torch, say) is a failed run, not a crash of the benchmark
    child.on('error', (e) => (stderrTail += `\n${e.message}`));
    child.on('close', (code) => {
      clearInterval(poll);
      log.end();
      const rec: RunRecord = {
        id: r.id,
        section: r.section,
        command: commandOf(r),
        meta: r.meta,
        status: code === 0 ? 'ok' : 'failed',
        exitCode: code ?? -1,
        seconds: (Date.now() - t0) / 1000,
        peakRssBytes: peak,
        loadBefore,
        loadAfter: os.loadavg(),
        finishedAt: new Date().toISOString(),
      };
      if (code === 0) {
        try {
          rec.result = harvest(r, stdout);
        } catch (e) {
          rec.status = 'failed';
          rec.error = `reading the results: ${(e as Error).message}`;
        }
      } else {
        rec.error = stderrTail.trim().split('\n').slice(-3).join(' | ');
      }
      resolve(rec);
    });
  });
}

const EXCLUSIVE: Section[] = ['cost', 'speed'];

async function main(): Promise<void> {
  if (opt['report-only']) {
    save();
    return;
  }
  const todo = runs.filter((r) => (only === null || only.has(r.section)) && (rerun.has(r.id) || results.runs[r.id]?.status !== 'ok' || results.runs[r.id]?.command !== commandOf(r)));
  if (todo.some((r) => r.argv.includes(options.fashionDir))) fashionSubset(options.fashionDir, fashionTrain, fashionTest);
  if (todo.some((r) => r.argv.includes(options.fashionTinyDir))) fashionSubset(options.fashionTinyDir, 300, 100);
  if (todo.some((r) => r.argv.includes(options.fashionSpeedDir))) fashionSubset(options.fashionSpeedDir, 2000, 500);
  results.machine = machine();
  results.options = { ...options, fashionTrain, fashionTest };
  const jobs = Math.max(1, Number(opt.jobs));
  const pending = [...todo];
  const running = new Map<string, Promise<void>>();
  const finished = new Set(Object.entries(results.runs).filter(([id, rec]) => rec.status === 'ok' && !todo.some((t) => t.id === id)).map(([id]) => id));
  const failed = new Set<string>();
  console.log(`bench:train: ${todo.length} runs to do (${runs.length - todo.length} recorded or not selected); jobs ${jobs}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  while (pending.length || running.size) {
    const exclusiveRunning = [...running.keys()].some((id) => EXCLUSIVE.includes(runs.find((r) => r.id === id)!.section));
    const idx = pending.findIndex((r) => {
      const depsDone = (r.after ?? []).every((d) => finished.has(d) || failed.has(d) || !runs.some((x) => x.id === d && todo.includes(x)));
      if (!depsDone) return false;
      if (EXCLUSIVE.includes(r.section)) return running.size === 0;
      return !exclusiveRunning && running.size < jobs;
    });
    if (idx < 0) {
      if (running.size === 0) {
        for (const r of pending) console.log(`skipped ${r.id}: its input run failed`);
        break;
      }
      await Promise.race(running.values());
      continue;
    }
    const r = pending.splice(idx, 1)[0];
    if ((r.after ?? []).some((d) => failed.has(d))) {
      console.log(`skipped ${r.id}: ${r.after!.filter((d) => failed.has(d)).join(', ')} failed`);
      failed.add(r.id);
      continue;
    }
    console.log(`start ${r.id}: ${commandOf(r)}`);
    const p = execute(r).then((rec) => {
      results.runs[r.id] = rec;
      recordedHere.add(r.id);
      (rec.status === 'ok' ? finished : failed).add(r.id);
      save();
      const acc = rec.result?.testAccuracy ?? (rec.result?.evaluation as { quantizedAccuracy?: number } | undefined)?.quantizedAccuracy ?? rec.result?.accuracy;
      console.log(`${rec.status} ${r.id} in ${rec.seconds.toFixed(0)} s${typeof acc === 'number' ? `: ${(acc * 100).toFixed(2)}%` : ''}${rec.error ? `: ${rec.error}` : ''}`);
      running.delete(r.id);
    });
    running.set(r.id, p);
  }
  save();
}

await main();
