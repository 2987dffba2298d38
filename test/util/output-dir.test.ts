import { expect } from 'chai';
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
});
