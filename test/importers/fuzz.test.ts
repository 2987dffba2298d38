/**
 * Fuzzing the importer: mutated model.json files (fields deleted, replaced,
 * given the wrong type), truncated, oversized and poked shards, wrong dtypes
 * and shapes, huge declared sizes, NaN/Inf, hostile paths and layer names.
 * Every case must end in a successful import or a QtscError; end to end,
 * gen-hw on hostile layer names writes nothing outside --out. Run counts:
 * test/helpers/fuzz.ts (QTSC_FUZZ_RUNS) and docs/robustness.md.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { fuzzParams, hostileString, qtscOrOk, qtscOrOkAsync } from '../helpers/fuzz.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { readModelFile } from '../../src/quantize/model-file.js';
import { genHwCommand } from '../../src/cli/gen-hw.js';

type Json = any;

const SPECIAL_VALUES = [0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300, '', 'linear', 'relu', 'binary', true, false, null, [], {}, [1, 2], { a: 1 }] as const;

const valueArb: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...SPECIAL_VALUES), hostileString);

/** Keys whose values the importer reads: mutations there are the interesting ones. */
const INTERESTING = /weightsManifest|class_name|\.name$|units|epsilon|batch_input_shape|value_space|bits|clip|use_bias|center|scale|axis|activation|model_config|config$|layers$|userDefinedMetadata|modelTopology$|inbound_nodes|learn_clip|max_value/;

type Path = Array<string | number>;

function allPaths(root: Json): Path[] {
  const out: Path[] = [];
  const walk = (v: Json, p: Path) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([...p, i]), walk(x, [...p, i])));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) (out.push([...p, k]), walk(v[k], [...p, k]));
  };
  walk(root, []);
  return out;
}

function wrongType(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.length;
  if (typeof v === 'boolean') return v ? 'true' : 0;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v && typeof v === 'object') return Object.values(v);
  return 0;
}

interface JsonMutation {
  op: 'delete' | 'replace' | 'wrong-type' | 'duplicate';
  interesting: boolean;
  pick: number;
  value: unknown;
}

function applyJsonMutation(json: Json, m: JsonMutation): string {
  const every = allPaths(json);
  const focus = every.filter((p) => INTERESTING.test(p.join('.')));
  const paths = m.interesting && focus.length > 0 ? focus : every;
  if (paths.length === 0) return 'none';
  const p = paths[m.pick % paths.length];
  const parent = p.slice(0, -1).reduce((o: Json, k) => o[k], json);
  const key = p[p.length - 1];
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.op === 'replace') parent[key] = m.value;
  else if (m.op === 'wrong-type') parent[key] = wrongType(parent[key]);
  else if (Array.isArray(parent[key]) && parent[key].length > 0) parent[key].push(structuredClone(parent[key][0]));
  else parent[key] = [parent[key], parent[key]];
  return `${m.op} ${JSON.stringify(p)}`;
}

type ShardMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'poke'; index: number; value: number }
  | { kind: 'bits'; index: number; bits: number };

const shardMutation: fc.Arbitrary<ShardMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('poke' as const), index: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity, -0, 3.4e38, -1e-45, 0.3) }),
  fc.record({ kind: fc.constant('bits' as const), index: fc.nat(), bits: fc.integer() }),
);

function applyShardMutation(bin: Buffer, m: ShardMutation): Buffer {
  if (m.kind === 'truncate') return bin.subarray(0, m.at % (bin.length + 1));
  if (m.kind === 'append') return Buffer.concat([bin, m.bytes]);
  const out = Buffer.from(bin);
  const at = 4 * (m.index % Math.max(1, Math.floor(bin.length / 4)));
  if (at + 4 > out.length) return out;
  if (m.kind === 'poke') out.writeFloatLE(m.value, at);
  else out.writeInt32LE(m.bits, at);
  return out;
}

const SHARD_PATHS = ['weights.bin', './weights.bin', 'sub/../weights.bin', '../weights.bin', '/etc/passwd', 'link-out', 'link-in', 'dir-out/secret.bin', 'dir', '', '.', 'weights.bin/', 'nope', 'a\u0000b', '层.bin', 'x'.repeat(300)];

type ManifestMutation =
  | { kind: 'dtype'; w: number; dtype: unknown }
  | { kind: 'shape'; w: number; shape: unknown[] }
  | { kind: 'paths'; paths: string[] }
  | { kind: 'split'; at: number };

const manifestMutation: fc.Arbitrary<ManifestMutation> = fc.oneof(
  fc.record({ kind: fc.constant('dtype' as const), w: fc.nat(), dtype: fc.constantFrom('float32', 'int32', 'bool', 'float16', 'string', 'complex64', 'uint8', 3, null) }),
  fc.record({
    kind: fc.constant('shape' as const),
    w: fc.nat(),
    shape: fc.array(fc.oneof(fc.nat(12), fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 32, 1e9, 1e300, 2 ** 53, '4', null)), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('paths' as const), paths: fc.array(fc.constantFrom(...SHARD_PATHS), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('split' as const), at: fc.nat() }),
);

interface Case {
  rename: { layer: number; name: string } | null;
  manifest: ManifestMutation[];
  json: JsonMutation[];
  shard: ShardMutation[];
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  rename: fc.option(fc.record({ layer: fc.nat(), name: hostileString }), { freq: 3 }),
  manifest: fc.array(manifestMutation, { maxLength: 2 }),
  json: fc.array(fc.record({ op: fc.constantFrom('delete' as const, 'replace' as const, 'wrong-type' as const, 'duplicate' as const), interesting: fc.boolean(), pick: fc.nat(), value: valueArb }), { maxLength: 3 }),
  shard: fc.array(shardMutation, { maxLength: 2 }),
});

/** Renames layer i (topology entry and its weights) to `name`. */
function renameLayer(json: Json, i: number, name: string): void {
  const layers: Json[] = json.modelTopology.config.layers;
  const l = layers[i % layers.length];
  const old = l.config.name;
  l.config.name = name;
  if (l.name !== undefined) l.name = name;
  for (const w of json.weightsManifest[0].weights) if (w.name.startsWith(`${old}/`)) w.name = `${name}/${w.name.slice(old.length + 1)}`;
}

/** Writes the case's model into dir; returns a description for failure messages. */
function writeCase(dir: string, baseJson: Json, baseBin: Buffer, outside: string, c: Case): string {
  const json = structuredClone(baseJson);
  const notes: string[] = [];
  let bin = baseBin;
  const extra: Array<[string, Buffer]> = [];
  if (c.rename) {
    renameLayer(json, c.rename.layer, c.rename.name);
    notes.push(`rename ${c.rename.layer} -> ${JSON.stringify(c.rename.name.slice(0, 50))}`);
  }
  for (const m of c.manifest) {
    const ws = json.weightsManifest[0].weights;
    if (m.kind === 'dtype') ws[m.w % ws.length].dtype = m.dtype;
    else if (m.kind === 'shape') ws[m.w % ws.length].shape = m.shape;
    else if (m.kind === 'paths') json.weightsManifest[0].paths = m.paths;
    else {
      const at = m.at % (bin.length + 1);
      extra.push(['part-a.bin', bin.subarray(0, at)], ['part-b.bin', bin.subarray(at)]);
      json.weightsManifest[0].paths = ['part-a.bin', 'part-b.bin'];
    }
    notes.push(JSON.stringify(m));
  }
  for (const m of c.json) notes.push(applyJsonMutation(json, m));
  for (const m of c.shard) {
    bin = applyShardMutation(bin, m);
    notes.push(m.kind === 'append' ? `append ${m.bytes.length}` : JSON.stringify(m));
  }
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
  for (const [name, b] of extra) fs.writeFileSync(path.join(dir, name), b);
  fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'link-out'));
  fs.symlinkSync(outside, path.join(dir, 'dir-out'));
  fs.symlinkSync('weights.bin', path.join(dir, 'link-in'));
  fs.mkdirSync(path.join(dir, 'dir'));
  fs.mkdirSync(path.join(dir, 'sub'));
  return notes.join('; ');
}

describe('importer fuzz', function () {
  this.timeout(120_000);
  let baseJson: Json;
  let baseBin: Buffer;
  let work: string;
  let outside: string;

  before(async () => {
    const { dir } = await makeModel({ sizes: [6, 5, 4, 3], valueSpace: 'pow2-2', act: { kind: 'quant', bits: 2 }, seed: 31 });
    baseJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    baseBin = fs.readFileSync(path.join(dir, 'weights.bin'));
    work = tmpDir('qtsc-fuzz-');
    outside = tmpDir('qtsc-fuzz-outside-');
    // The size of the real shard, so that only the link check can refuse it.
    fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.from(new Float32Array(baseBin.length / 4).fill(1).buffer));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('every mutated model imports or fails with a QtscError (importer, quantizer reader, tfjs artifacts)', async () => {
    let ok = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const dir = fs.mkdtempSync(path.join(work, 'c-'));
        try {
          const what = writeCase(dir, baseJson, baseBin, outside, c);
          const imported = qtscOrOk(() => importTfjsLayers(dir), () => what);
          qtscOrOk(() => readModelFile(dir), () => what);
          await qtscOrOkAsync(() => loadArtifacts(dir), () => what);
          total++;
          if (imported) ok++;
          // A shard reached through a link out of the model directory is never read.
          if (imported && c.manifest.some((m) => m.kind === 'paths' && m.paths.some((p) => p === 'link-out' || p.startsWith('dir-out')))) {
            const last = c.manifest.filter((m) => m.kind === 'paths' || m.kind === 'split').at(-1);
            if (last?.kind === 'paths' && last.paths.some((p) => p === 'link-out' || p.startsWith('dir-out'))) expect.fail(`imported through a link out: ${what}`);
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      fuzzParams(200),
    );
    // The mutations must leave some models importable, or the success path is not exercised.
    expect(ok, `${ok} of ${total} imported`).to.be.greaterThan(0);
  });

  it('shard paths that leave the model directory, also through links, are refused; the others are read', () => {
    const escaping = new Set(['../weights.bin', '/etc/passwd', 'link-out', 'dir-out/secret.bin']);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SHARD_PATHS), { minLength: 1, maxLength: 3 }), (paths) => {
        const dir = fs.mkdtempSync(path.join(work, 'p-'));
        try {
          const what = writeCase(dir, baseJson, baseBin, outside, { rename: null, manifest: [{ kind: 'paths', paths }], json: [], shard: [] });
          const ok = qtscOrOk(() => importTfjsLayers(dir), () => what);
          if (paths.some((p) => escaping.has(p))) expect(ok, what).to.equal(false);
          if (paths.length === 1 && ['weights.bin', './weights.bin', 'sub/../weights.bin', 'link-in'].includes(paths[0])) expect(ok, what).to.equal(true);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      fuzzParams(100),
    );
  });

  it('NaN, infinities and huge declared sizes are caught at import, naming the layer and field', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (index, value) => {
        const dir = fs.mkdtempSync(path.join(work, 'n-'));
        try {
          const bin = Buffer.from(baseBin);
          const at = 4 * (index % (bin.length / 4));
          bin.writeFloatLE(value, at);
          fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(baseJson));
          fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
          expect(() => importTfjsLayers(dir)).to.throw(new RegExp(`model\\.json: layer '[^']+': field '[a-z_]+': value ${String(value)} at index \\[[\\d, ]+\\] is not finite`));
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      fuzzParams(100),
    );
  });

  it('gen-hw on models with hostile layer names writes nothing outside --out', async () => {
    const log = console.log;
    try {
      await fc.assert(
        fc.asyncProperty(fc.nat(), hostileString, async (layer, name) => {
          const sandbox = fs.mkdtempSync(path.join(work, 'g-'));
          const model = path.join(sandbox, 'model');
          const out = path.join(sandbox, 'out');
          fs.mkdirSync(model);
          const json = structuredClone(baseJson);
          renameLayer(json, layer, name);
          fs.writeFileSync(path.join(model, 'model.json'), JSON.stringify(json));
          fs.writeFileSync(path.join(model, 'weights.bin'), baseBin);
          const before = fs.readdirSync(work).length;
          console.log = () => {};
          const ok = await qtscOrOkAsync(() => genHwCommand(['--model', model, '--out', out, '--quiet']), () => `layer ${layer} named ${JSON.stringify(name.slice(0, 50))}`);
          console.log = log;
          const written: string[] = fs.readdirSync(sandbox, { recursive: true }).map(String).sort();
          const outFiles = written.filter((f) => f === 'out' || f.startsWith(`out${path.sep}`));
          expect(written.filter((f) => !outFiles.includes(f))).to.deep.equal(['model', `model${path.sep}model.json`, `model${path.sep}weights.bin`]);
          if (ok) {
            for (const f of outFiles) expect(f, f).to.match(/^out(\/(ir\.json|report\.json|report\.md|report\.html|rtl(\/[A-Za-z0-9_]+\.(sv|mem|f))?))?$/);
          } else expect(outFiles).to.deep.equal([]);
          expect(fs.readdirSync(work).length).to.equal(before);
          fs.rmSync(sandbox, { recursive: true, force: true });
        }),
        fuzzParams(8),
      );
    } finally {
      console.log = log;
    }
  });
});
