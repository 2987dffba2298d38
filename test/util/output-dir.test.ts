import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withOutputDir } from '../../src/util/output-dir.js';
import { QtscError } from '../../src/util/errors.js';
import { tmpDir } from '../helpers/make-model.js';

/** Every file and link below dir, relative, with its contents (links as '-> target'). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out[path.relative(dir, p)] = `-> ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  return expect.fail('expected a rejection') as never;
}

describe('withOutputDir', () => {
  it('replaces entries that are symbolic links instead of writing through them', async () => {
    const outside = tmpDir();
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'precious');
    fs.mkdirSync(path.join(outside, 'rtl'));
    fs.writeFileSync(path.join(outside, 'rtl', 'x.v'), 'old');
    const before = tree(outside);
    const out = path.join(tmpDir(), 'out');
    fs.mkdirSync(out);
    fs.symlinkSync(path.join(outside, 'rtl'), path.join(out, 'rtl'));
    fs.symlinkSync(path.join(outside, 'keep.txt'), path.join(out, 'report.md'));
    await withOutputDir(out, async (staging) => {
      fs.mkdirSync(path.join(staging, 'rtl'));
      fs.writeFileSync(path.join(staging, 'rtl', 'x.v'), 'new');
      fs.writeFileSync(path.join(staging, 'report.md'), 'report');
    });
    expect(tree(out)).to.deep.equal({ 'rtl/x.v': 'new', 'report.md': 'report' });
    expect(tree(outside)).to.deep.equal(before);
  });

  it('a failed run leaves nothing, also not the parent directories it created', async () => {
    const parent = tmpDir();
    const out = path.join(parent, 'a', 'b', 'out');
    const e = await rejection(withOutputDir(out, async (staging) => {
      fs.writeFileSync(path.join(staging, 'ir.json'), '{}');
      throw new QtscError('boom');
    }));
    expect(e.message).to.equal('boom');
    expect(fs.readdirSync(parent)).to.deep.equal([]);
  });

  it('clear errors for a file, a dangling link, and (with within) a link that leads outside', async () => {
    const parent = tmpDir();
    fs.writeFileSync(path.join(parent, 'file'), 'x');
    let e = await rejection(withOutputDir(path.join(parent, 'file'), async () => 0));
    expect(e).to.be.instanceOf(QtscError);
    expect(e.message).to.match(/file: exists and is not a directory/);
    fs.symlinkSync(path.join(parent, 'nowhere'), path.join(parent, 'dangling'));
    e = await rejection(withOutputDir(path.join(parent, 'dangling'), async () => 0));
    expect(e).to.be.instanceOf(QtscError);
    expect(e.message).to.match(/dangling: a symbolic link to .*nowhere, which does not exist/);
    const hw = path.join(parent, 'hw');
    fs.mkdirSync(hw);
    const elsewhere = tmpDir();
    fs.symlinkSync(elsewhere, path.join(hw, 'sim'));
    e = await rejection(withOutputDir(path.join(hw, 'sim'), async () => 0, { within: hw }));
    expect(e).to.be.instanceOf(QtscError);
    expect(e.message).to.match(/sim: a symbolic link to .*, outside .*hw; remove it/);
    expect(fs.readdirSync(elsewhere)).to.deep.equal([]);
    // Inside is fine.
    fs.mkdirSync(path.join(hw, 'real-sim'));
    fs.rmSync(path.join(hw, 'sim'));
    fs.symlinkSync('real-sim', path.join(hw, 'sim'));
    await withOutputDir(path.join(hw, 'sim'), async (s) => fs.writeFileSync(path.join(s, 'result.json'), '{}'), { within: hw });
    expect(tree(hw)).to.deep.equal({ 'real-sim/result.json': '{}', sim: '-> real-sim' });
  });

  describe('concurrent runs on one output directory (separate processes)', () => {
    const writer = path.resolve(import.meta.dirname, '..', 'helpers', 'output-dir-writer.ts');
    function run(...args: string[]): Promise<{ code: number; stderr: string }> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
      });
    }
    const leftovers = (out: string) => fs.readdirSync(out).filter((e) => e.startsWith('.'));

    it('every run succeeds and the directory ends as one whole run wrote it', async () => {
      const out = path.join(tmpDir(), 'out');
      const results = await Promise.all(['p', 'q', 'r', 's'].map((tag) => run(out, tag, '15')));
      for (const r of results) expect(r.code, r.stderr).to.equal(0);
      const t = tree(out);
      expect(Object.keys(t).sort()).to.deep.equal(['a.txt', 'b/c.txt', 'd.txt']);
      expect(new Set(Object.values(t)).size, JSON.stringify(t)).to.equal(1);
      expect(leftovers(out)).to.deep.equal([]);
    });

    it('a run that fails while another succeeds leaves the other\'s output (also when the failing run created the directory)', async () => {
      const out = path.join(tmpDir(), 'out');
      const failing = run(out, 'bad', '1', '1500');
      while (!fs.existsSync(out)) await new Promise((r) => setTimeout(r, 10));
      const good = await run(out, 'good', '1');
      expect(good.code, good.stderr).to.equal(0);
      const bad = await failing;
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.match(/bad fails on purpose/);
      expect(tree(out)).to.deep.equal({ 'a.txt': 'good:0', 'b/c.txt': 'good:0', 'd.txt': 'good:0' });
      expect(leftovers(out)).to.deep.equal([]);
    });
  });
});
