import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/make-model.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Runs the CLI as a user would, with stdout and stderr pipes (not a terminal).
 * `preload` is a module run before qtsc (fault injection).
 */
function qtsc(args: string[], env: NodeJS.ProcessEnv = {}, preload?: string): { code: number; stdout: string; stderr: string } {
  const flags = [...(preload ? ['--import', preload] : []), '--import', 'tsx', path.join(root, 'src/cli/main.ts')];
  const { QTSC_PROGRESS: _, ...rest } = process.env;
  const r = spawnSync(process.execPath, [...flags, ...args], { cwd: root, encoding: 'utf8', env: { ...rest, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
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

describe('qtsc command line: help, version, exit codes, stdout and stderr', () => {
  it('--version prints the package version on stdout and exits 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = qtsc([flag]);
      expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, `${version}\n`, '']);
    }
  });

  it('--help for qtsc and every command: usage on stdout, exit 0, also with other (even unknown) options', () => {
    const top = qtsc(['--help']);
    expect(top.code).to.equal(0);
    expect(top.stdout).to.match(/^usage: qtsc <command>/).and.match(/commands: gen-hw, sim, train, quantize/).and.match(/exit codes: 0 success, 1 user error.*2 internal error/);
    const cases: Array<[string, string[]]> = [
      ...['gen-hw', 'sim', 'train', 'quantize'].map((cmd): [string, string[]] => [cmd, ['--help', '--bogus']]),
      ...[['--help'], ['-h'], ['--bogus', '--out', 'x', '-h']].map((args): [string, string[]] => ['gen-hw', args]),
    ];
    for (const [cmd, args] of cases) {
      const r = qtsc([cmd, ...args]);
      expect(r.code, `${cmd} ${args.join(' ')}: ${r.stderr}`).to.equal(0);
      expect(r.stdout, cmd).to.match(new RegExp(`^usage: qtsc ${cmd} `));
      expect(r.stderr, cmd).to.equal('');
    }
    expect(qtsc(['gen-hw', '--help']).stdout).to.match(/--max-luts N/);
  });

  it('a bad command line exits 1 with the error and where to find help on stderr, nothing on stdout', () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^error: qtsc: no command given\nusage: qtsc <command>/],
      [['bogus'], /^error: qtsc: unknown command 'bogus'\nusage: qtsc <command>/],
      [['gen-hw', '--bogus'], /^error: gen-hw: Unknown option '--bogus'.*\nrun 'qtsc gen-hw --help' for its options\n$/],
      [['gen-hw', '--max-luts', 'many'], /^error: gen-hw: --max-luts: expected a whole number\nrun 'qtsc gen-hw --help'/],
      [['sim', '--stall', '2'], /^error: sim: --stall: .*\nrun 'qtsc sim --help'/],
      [['quantize', '--scheme', 'asym'], /^error: quantize: --model: required: the model directory\nrun 'qtsc quantize --help'/],
    ];
    for (const [args, pattern] of cases) {
      const r = qtsc(args);
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stdout, args.join(' ')).to.equal('');
      expect(r.stderr, args.join(' ')).to.match(pattern);
    }
  });

  it('a bad model exits 1 with one error line on stderr, no stack trace', () => {
    const r = qtsc(['gen-hw', '--model', path.join(tmpDir(), 'nope'), '--out', path.join(tmpDir(), 'out')]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^error: .*no such model file.*\n$/);
  });

  it('gen-hw: the result line on stdout; progress on stderr only when asked for (stderr is not a terminal here), never with --quiet', () => {
    const out = path.join(tmpDir(), 'out');
    const result = /^gen-hw: qtsc_top: .* cycles\/frame, 0 multipliers; wrote .* in \d+\.\d s\n$/;
    let r = qtsc(['gen-hw', '--out', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(result);
    expect(r.stderr).to.equal('');
    r = qtsc(['gen-hw', '--out', out], { QTSC_PROGRESS: '1' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(result);
    expect(r.stderr).to.match(/^gen-hw: importing .*mnist-mlp-binary\n/m).and.match(/^gen-hw: writing /m);
    r = qtsc(['gen-hw', '--out', out, '--quiet'], { QTSC_PROGRESS: '1' });
    expect(r.stdout).to.match(result);
    expect(r.stderr).to.equal('');
  });

  it('an internal error exits 2 with its stack trace on stderr and leaves the previous output as it was', () => {
    const out = path.join(tmpDir(), 'out');
    expect(qtsc(['gen-hw', '--out', out, '--top', 'before', '--quiet']).code).to.equal(0);
    const before = files(out);
    // A fault no user input can cause: writing ir.json throws a TypeError.
    const fault = path.join(tmpDir(), 'fault.mjs');
    fs.writeFileSync(
      fault,
      `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const write = fs.writeFileSync;
fs.writeFileSync = (file, ...rest) => {
  if (String(file).endsWith('ir.json')) throw new TypeError('injected fault');
  return write(file, ...rest);
};
syncBuiltinESMExports();
`,
    );
    const r = qtsc(['gen-hw', '--out', out, '--top', 'after', '--quiet'], {}, fault);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^qtsc: internal error \(a bug in qtsc/).and.match(/TypeError: injected fault\n\s+at /);
    expect(files(out)).to.deep.equal(before);
  });
});
