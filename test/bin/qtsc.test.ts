/**
 * The packed package, installed into an empty directory, works as a tool:
 * `npm pack` (which builds dist/ first), install the tarball, then `npx qtsc`.
 *
 * Installing without the network: `npm install --offline <tarball>` needs the
 * registry's package documents, which `npm ci` never caches (it installs from
 * the lock file's URLs), so it normally fails here. The next way is offline
 * too: an install of the tarball with a lock file made from the project's
 * own (its production entries), which `npm ci --offline` fills from the
 * tarballs `npm ci` left in the cache, at exactly the locked versions. Failing
 * that, `--prefer-offline` with the registry; failing that too, the project's
 * node_modules linked in (the test then says so).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/make-model.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; files: string[] };

/** The environment of a user's shell: none of the npm variables of the npm that runs the tests, no qtsc overrides, no preloaded tsx. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|QTSC_|NODE_OPTIONS$)/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string, timeout = 180_000, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...userEnv(), ...env }, timeout });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Every file below dir with its bytes (base64). */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

interface LockEntry {
  dev?: boolean;
  [k: string]: unknown;
}

/** package.json and package-lock.json of an app depending on the tarball only, its lock the project's production entries. */
function writeAppForTarball(app: string, tarball: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = lock.packages[''];
  const spec = `file:${path.relative(app, tarball)}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { qtsc: spec } },
    'node_modules/qtsc': { version: self.version, resolved: spec, dependencies: self.dependencies, optionalDependencies: self.optionalDependencies, bin: self.bin, engines: self.engines },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k !== '' && !v.dev) packages[k] = v;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { qtsc: spec } }, null, 2) + '\n');
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n');
}

/** Installs the tarball into the empty directory app; returns how. */
function install(app: string, tarball: string): string {
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  if (run('npm', ['install', '--offline', ...quiet, tarball], app).code === 0) return 'npm install --offline';
  writeAppForTarball(app, tarball);
  if (run('npm', ['ci', '--offline', ...quiet], app).code === 0) return "npm ci --offline with the project's production lock entries";
  for (const f of ['package.json', 'package-lock.json']) fs.rmSync(path.join(app, f), { force: true });
  fs.rmSync(path.join(app, 'node_modules'), { recursive: true, force: true });
  const online = run('npm', ['install', '--prefer-offline', ...quiet, tarball], app);
  if (online.code === 0) return 'npm install --prefer-offline (registry)';
  // No registry either: unpack the package and lend it the project's dependencies.
  const pkg = path.join(app, 'node_modules', 'qtsc');
  fs.mkdirSync(pkg, { recursive: true });
  expect(run('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1'], app).code).to.equal(0);
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  fs.mkdirSync(path.join(app, 'node_modules', '.bin'));
  fs.symlinkSync('../qtsc/bin/qtsc.js', path.join(app, 'node_modules', '.bin', 'qtsc'));
  return `unpacked, with the project's node_modules linked in: no install was possible (${online.stderr.trim().split('\n').pop()})`;
}

describe('bin/qtsc: the packed package installed into an empty directory', function () {
  this.timeout(300_000);
  let work: string;
  let app: string;
  let tarball: string;
  let entries: string[];
  let how: string;

  before(function () {
    work = tmpDir('qtsc-pack-');
    const packed = run('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', work], root);
    expect(packed.code, packed.stderr).to.equal(0);
    const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, info[0].filename);
    entries = info[0].files.map((f) => f.path);
    app = path.join(work, 'app');
    fs.mkdirSync(app);
    how = install(app, tarball);
    console.log(`      (installed by ${how})`);
  });

  // The install is some 400 MB (tfjs, the wasm Yosys): do not leave it behind.
  after(() => work && fs.rmSync(work, { recursive: true, force: true }));

  // As a user types it; npm_config_yes=false: never fetch a package named qtsc from the registry instead.
  const npx = (...args: string[]) => run('npx', ['qtsc', ...args], app, 180_000, { npm_config_yes: 'false' });

  it('ships the built JavaScript and what is read at run time, not the TypeScript sources or tests', () => {
    expect(entries).to.include.members(['bin/qtsc.js', 'dist/cli/main.js', 'dist/compile.js', 'dist/compile.d.ts', 'package.json', 'README.md', 'sim/verilator/tb.cpp.hbs', 'sim/iverilog/qtsc_tb.sv', 'examples/mnist-mlp-binary/model.json']);
    for (const dir of ['hw', 'templates']) {
      for (const f of fs.readdirSync(path.join(root, dir))) expect(entries, `${dir}/${f}`).to.include(`${dir}/${f}`);
    }
    expect(entries.filter((e) => /^(src|test|bench|scripts)\//.test(e) || e.endsWith('.ts') && !e.endsWith('.d.ts'))).to.deep.equal([]);
    expect(fs.existsSync(path.join(app, 'node_modules', 'qtsc', 'src'))).to.equal(false);
  });

  it('npx qtsc --version and gen-hw --help (also with an unknown option) exit 0 with their text on stdout', () => {
    let r = npx('--version');
    expect([r.code, r.stdout], r.stderr).to.deep.equal([0, `${manifest.version}\n`]);
    r = npx('gen-hw', '--help');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^usage: qtsc gen-hw /);
    r = npx('gen-hw', '--help', '--bogus');
    expect(r.code, r.stderr).to.equal(0);
    r = npx('gen-hw', '--bogus');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/error: gen-hw: Unknown option '--bogus'/);
  });

  it('npx qtsc gen-hw --out X compiles the shipped example, byte for byte what the source checkout writes', () => {
    const r = npx('gen-hw', '--out', 'X');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^gen-hw: qtsc_top: .*wrote .*X in /);
    for (const f of ['ir.json', 'report.json', 'report.md', 'rtl/filelist.f', 'rtl/qtsc_top.sv']) expect(fs.existsSync(path.join(app, 'X', f)), f).to.equal(true);
    for (const f of fs.readFileSync(path.join(app, 'X', 'rtl', 'filelist.f'), 'utf8').split('\n').filter(Boolean)) expect(fs.existsSync(path.join(app, 'X', 'rtl', f)), f).to.equal(true);
    // The same model path for both, since the report names it.
    const model = path.join(root, 'examples', 'mnist-mlp-binary');
    const installed = npx('gen-hw', '--model', model, '--out', 'Y', '--quiet');
    expect(installed.code, installed.stderr).to.equal(0);
    const checkout = path.join(work, 'from-source');
    const source = run(process.execPath, [path.join(root, 'bin', 'qtsc.js'), 'gen-hw', '--model', model, '--out', checkout, '--quiet'], root);
    expect(source.code, source.stderr).to.equal(0);
    expect(files(path.join(app, 'Y'))).to.deep.equal(files(checkout));
  });

  it('a source checkout with only the production dependencies (npm ci --omit=dev) runs npm run gen-hw', function () {
    if (how.startsWith('unpacked')) this.skip(); // no production-only node_modules to try it with
    const clone = path.join(work, 'clone');
    fs.mkdirSync(clone);
    for (const f of ['package.json', 'bin', 'src', ...manifest.files.filter((f) => f !== 'dist/' && f !== 'bin/')]) fs.cpSync(path.join(root, f), path.join(clone, f), { recursive: true });
    // The app's node_modules holds the production dependencies only.
    fs.symlinkSync(path.join(app, 'node_modules'), path.join(clone, 'node_modules'));
    expect(fs.existsSync(path.join(app, 'node_modules', 'typescript')), 'a dev dependency was installed').to.equal(false);
    const r = run('npm', ['run', '--silent', 'gen-hw', '--', '--out', 'build', '--quiet'], clone);
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.existsSync(path.join(clone, 'build', 'rtl', 'qtsc_top.sv'))).to.equal(true);
  });
});
