import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { bytesTree } from '../helpers/file-tree.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function qtsc(args: string[], cwd = root): { code: number; stdout: string; stderr: string } {
  // bin/qtsc.js finds tsx beside itself, from any working directory
  const r = spawnSync(process.execPath, [path.join(root, 'bin/qtsc.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('cli gen-hw: deterministic output', () => {
  it('the same input twice, from different working directories, gives byte-identical output trees, flows and reports included (the shipped MLP and CNN; a random model with calibrated activations)', async () => {
    const random = (await makeModel({ sizes: [20, 10, 6, 4], valueSpace: 'pow2-3', act: { kind: 'relu' }, seed: 22 })).dir;
    const cases: string[][] = [
      ['--flow', 'all'],
      ['--model', path.join(root, 'examples', 'fashion-cnn-binary'), '--flow', 'yosys-nextpnr'],
      ['--model', random, '--act-bits', '3', '--calib', 'random', '--dot-trees', 'xnor'],
    ];
    for (const args of cases) {
      const outs = [path.join(tmpDir(), 'out'), path.join(tmpDir(), 'out')];
      for (const [i, out] of outs.entries()) {
        const r = qtsc(['gen-hw', ...args, '--out', out, '--quiet'], i === 0 ? root : tmpDir());
        expect(r.code, r.stderr).to.equal(0);
      }
      const [a, b] = outs.map(bytesTree);
      expect(Object.keys(a).length, args.join(' ')).to.be.greaterThan(5);
      if (args.includes('--flow')) expect(Object.keys(a).filter((f) => f.startsWith('flow/')).length, args.join(' ')).to.be.greaterThan(2);
      expect(Object.keys(a).sort()).to.deep.equal(Object.keys(b).sort());
      for (const f of Object.keys(a)) expect(a[f] === b[f], `${args.join(' ') || 'example'}: ${f} differs`).to.equal(true);
    }
  });
});

describe('cli gen-hw', () => {
  let model: string;
  before(async () => {
    model = (await makeModel({ sizes: [30, 12, 5], valueSpace: 'binary', act: { kind: 'sign' }, seed: 21 })).dir;
  });

  it('writes ir.json, rtl/ with a filelist, report.json and report.md; the same input gives the same bytes', () => {
    const a = path.join(tmpDir(), 'out');
    const b = path.join(tmpDir(), 'out');
    for (const out of [a, b]) {
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet']);
      expect(r.code, r.stderr).to.equal(0);
    }
    for (const f of ['ir.json', 'report.json', 'report.md', 'rtl/filelist.f', 'rtl/qtsc_top.sv']) expect(fs.existsSync(path.join(a, f)), f).to.equal(true);
    const report = hashTree(path.join(a, 'report.md'.replace('report.md', '')));
    delete report['report.json'];
    delete report['report.md'];
    const other = hashTree(b);
    delete other['report.json'];
    delete other['report.md'];
    expect(report).to.deep.equal(other);
    expect(fs.readdirSync(a).filter((e) => e.startsWith('.staging'))).to.deep.equal([]);
  });

  it('--top renames the top module', () => {
    const out = path.join(tmpDir(), 'out');
    const r = qtsc(['gen-hw', '--model', model, '--out', out, '--top', 'accel_a', '--quiet']);
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(out, 'rtl', 'accel_a.sv'), 'utf8')).to.match(/module accel_a\b/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'ir.json'), 'utf8')).top).to.equal('accel_a');
  });

  it('--dot-trees chooses the engines: trees for every layer by default, xnor layers only, or none', () => {
    const trees: Record<string, string[]> = {};
    for (const mode of ['default', 'all', 'xnor', 'none']) {
      const out = path.join(tmpDir(), 'out');
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet', ...(mode === 'default' ? [] : ['--dot-trees', mode])]);
      expect(r.code, r.stderr).to.equal(0);
      const list = fs.readFileSync(path.join(out, 'rtl', 'filelist.f'), 'utf8');
      trees[mode] = list.split('\n').filter((f) => f.endsWith('_dot_tree.sv'));
      const top = fs.readFileSync(path.join(out, 'rtl', 'qtsc_top.sv'), 'utf8');
      // The 8-bit input layer is sign-add: a signed tree, which the top's header warns about.
      expect(/-fno-const-bit-op-tree/.test(top), mode).to.equal(mode === 'default' || mode === 'all');
      expect(list.includes('qtsc_dot_acc.sv'), mode).to.equal(mode === 'xnor' || mode === 'none');
    }
    expect(trees.default).to.deep.equal(trees.all);
    expect(trees.all.length).to.equal(2);
    expect(trees.xnor.length).to.equal(1);
    expect(trees.none).to.deep.equal([]);
  });

  it('--pipeline N puts N register levels in every compressor tree (0: none)', () => {
    for (const n of [0, 2]) {
      const out = path.join(tmpDir(), 'out');
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet', '--pipeline', String(n)]);
      expect(r.code, r.stderr).to.equal(0);
      const trees = fs.readFileSync(path.join(out, 'rtl', 'filelist.f'), 'utf8').split('\n').filter((f) => f.endsWith('_dot_tree.sv'));
      expect(trees.length).to.equal(2);
      for (const t of trees) {
        const text = fs.readFileSync(path.join(out, 'rtl', t), 'utf8');
        expect(/always_ff/.test(text), `${t} pipeline ${n}`).to.equal(n > 0);
        if (n > 0) expect(text).to.include(`// ${n} register level(s)`);
      }
    }
  });

  it('--rom-style places every ROM, or one node\'s, and report.json and report.md say where each went', () => {
    const run = (args: string[]) => {
      const out = path.join(tmpDir(), 'out');
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet', ...args]);
      expect(r.code, r.stderr).to.equal(0);
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
        layers: Array<{ name: string; roms: Array<{ rom: string; file: string; requested: string; placement: string; estimate: { brams: number; luts: number } }> }>;
      };
      return { out, report, md: fs.readFileSync(path.join(out, 'report.md'), 'utf8') };
    };
    const attr = { block: '(* rom_style = "block" *)', distributed: '(* rom_style = "distributed", rom_block = "logic" *)' };
    // The attribute printed right before each ROM's declaration, by file.
    const printed = (out: string) => {
      const found: Record<string, string> = {};
      for (const f of fs.readdirSync(path.join(out, 'rtl')).filter((x) => x.endsWith('.sv'))) {
        const text = fs.readFileSync(path.join(out, 'rtl', f), 'utf8');
        for (const m of text.matchAll(/\n(.*)\n\s*logic \[\d+-1:0\] \w+_rom \[[^\n]*\n\s*initial \$readmemh\("([^"]+)"/g)) found[m[2]] = m[1].trim();
      }
      return found;
    };
    const auto = run([]);
    const names = auto.report.layers.map((l) => l.name);
    expect(names.length).to.equal(2);
    expect(auto.md).to.match(/## ROMs/);
    for (const [style, args] of [
      ['block', ['--rom-style', 'block']],
      ['distributed', ['--rom-style', 'distributed']],
    ] as const) {
      const { out, report, md } = run([...args]);
      const seen = printed(out);
      for (const l of report.layers) {
        for (const rom of l.roms) {
          expect(rom.requested, `${style} ${rom.file}`).to.equal(style);
          if (rom.placement === 'constant') continue;
          expect(rom.placement, `${style} ${rom.file}`).to.equal(style);
          expect(seen[rom.file], `${style} ${rom.file}`).to.equal(attr[style]);
          expect(rom.estimate.brams > 0, `${style} ${rom.file}`).to.equal(style === 'block');
          expect(md).to.include(`| ${l.name} | ${rom.rom} |`);
        }
      }
      expect(md).to.include(style === 'block' ? '| block RAM |' : '| LUTs (distributed) |');
    }
    // One node in block RAM, the other's in LUTs: a node's own style wins over the one for all.
    const mixed = run(['--rom-style', `distributed,${names[0]}=block`]);
    const seen = printed(mixed.out);
    for (const [i, l] of mixed.report.layers.entries()) {
      for (const rom of l.roms.filter((x) => x.placement !== 'constant')) {
        const want = i === 0 ? 'block' : 'distributed';
        expect([rom.requested, rom.placement, seen[rom.file]], rom.file).to.deep.equal([want, want, attr[want]]);
      }
    }
    // The same through two options.
    const twice = run(['--rom-style', 'distributed', '--rom-style', `${names[0]}=block`]);
    expect(bytesTree(path.join(twice.out, 'rtl'))).to.deep.equal(bytesTree(path.join(mixed.out, 'rtl')));
  });

  it('--rom-style refuses a node that has no ROM (a sliding window of the shipped CNN)', () => {
    const out = path.join(tmpDir(), 'out');
    const r = qtsc(['gen-hw', '--model', path.join(root, 'examples', 'fashion-cnn-binary'), '--out', out, '--quiet', '--rom-style', 'l0_conv1_swu=block']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/--rom-style: ROM style for node 'l0_conv1_swu': a swu node has no ROM \(nodes with ROMs: l0_conv1, l2_conv2, l4_dense1, l5_logits\)/);
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('bad input: one clear error line, non-zero exit, and no output directory left behind', () => {
    const parent = tmpDir();
    const out = path.join(parent, 'out');
    const cases: Array<[string[], RegExp]> = [
      [['--model', path.join(parent, 'nope')], /no such model file/],
      [['--model', model, '--value-space', 'ternaryish'], /--value-space: unknown value space 'ternaryish'/],
      [['--model', model, '--value-space', 'pow2-2'], /layer 'dense0'.*\(from layer config\)|.*/],
      [['--model', model, '--top', '1bad'], /--top: '1bad' is not a Verilog identifier/],
      [['--model', model, '--act-bits', '0', '--calib', 'random'], /--act-bits/],
      [['--model', model, '--bogus'], /Unknown option '--bogus'/],
      [['--model', model, '--dot-trees', 'some'], /--dot-trees: .*"all"\|"xnor"\|"none"/],
      [['--model', model, '--pipeline', '9'], /--pipeline/],
      [['--model', model, '--rom-style', 'huge'], /--rom-style: 'huge': the style must be one of auto, block, distributed, or NODE=STYLE/],
      [['--model', model, '--rom-style', 'block', '--rom-style', 'distributed'], /--rom-style: 'distributed': the style for every ROM is already 'block'/],
      [['--model', model, '--rom-style', '=block'], /--rom-style: '=block': no node name before '='/],
      [['--model', model, '--rom-style', 'nosuch=block'], /gen-hw: --rom-style: ROM style for node 'nosuch': the design has no node of that name \(nodes with ROMs: \w+, \w+\)/],
    ];
    for (const [args, pattern] of cases) {
      const r = qtsc(['gen-hw', ...args, '--out', out, '--quiet']);
      if (args.includes('pow2-2')) {
        // A declared space wins over --value-space: this one compiles.
        expect(r.code, r.stderr).to.equal(0);
        fs.rmSync(out, { recursive: true, force: true });
        continue;
      }
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stderr).to.match(pattern);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
      expect(fs.existsSync(out), `${args.join(' ')} left ${out}`).to.equal(false);
    }
  });

  it('never writes through symbolic links inside --out, and refuses a model whose shard links out', () => {
    const outside = tmpDir();
    fs.mkdirSync(path.join(outside, 'rtl'));
    fs.writeFileSync(path.join(outside, 'rtl', 'mine.v'), 'keep');
    fs.writeFileSync(path.join(outside, 'ir.json'), 'keep');
    const before = bytesTree(outside);
    const out = path.join(tmpDir(), 'out');
    fs.mkdirSync(out);
    fs.symlinkSync(path.join(outside, 'rtl'), path.join(out, 'rtl'));
    fs.symlinkSync(path.join(outside, 'ir.json'), path.join(out, 'ir.json'));
    let r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet']);
    expect(r.code, r.stderr).to.equal(0);
    expect(bytesTree(outside)).to.deep.equal(before);
    expect(fs.lstatSync(path.join(out, 'rtl')).isDirectory()).to.equal(true);
    expect(fs.existsSync(path.join(out, 'rtl', 'qtsc_top.sv'))).to.equal(true);
    // A model dir whose shard is a link to a file elsewhere: one clear error, nothing written.
    const evil = tmpDir();
    fs.copyFileSync(path.join(model, 'model.json'), path.join(evil, 'model.json'));
    fs.symlinkSync(path.join(model, 'weights.bin'), path.join(evil, 'weights.bin'));
    const out2 = path.join(tmpDir(), 'out');
    r = qtsc(['gen-hw', '--model', evil, '--out', out2, '--quiet']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/weightsManifest path 'weights\.bin' is a symbolic link to .*weights\.bin, outside/);
    expect(r.stderr).to.not.match(/\n\s+at /);
    expect(fs.existsSync(out2)).to.equal(false);
  });

  it('a fold file is validated and names the layer and field', () => {
    const dir = tmpDir();
    const fold = path.join(dir, 'fold.json');
    fs.writeFileSync(fold, JSON.stringify({ layers: { dense0: { pe: 5, simd: 1 } } }));
    let r = qtsc(['gen-hw', '--model', model, '--out', path.join(dir, 'o'), '--fold', fold, '--quiet']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/fold\.json: field 'layers\.dense0\.pe': 5 does not divide the layer's 12 output channels/);
    fs.writeFileSync(fold, JSON.stringify({ layers: { dense0: { pe: 4, simd: 3 } } }));
    r = qtsc(['gen-hw', '--model', model, '--out', path.join(dir, 'o'), '--fold', fold, '--quiet']);
    expect(r.code, r.stderr).to.equal(0);
    const ir = JSON.parse(fs.readFileSync(path.join(dir, 'o', 'ir.json'), 'utf8'));
    expect([ir.nodes[0].pe, ir.nodes[0].simd]).to.deep.equal([4, 3]);
  });

  it('the size guard refuses a design above --max-luts and leaves the previous output as it was; --force builds it', () => {
    const out = path.join(tmpDir(), 'out');
    expect(qtsc(['gen-hw', '--model', model, '--out', out, '--top', 'previous', '--quiet']).code).to.equal(0);
    const before = bytesTree(out);
    let r = qtsc(['gen-hw', '--model', model, '--out', out, '--max-luts', '10', '--quiet']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^error: design 'qtsc_top': estimated [\d,]+ LUTs \(largest: '\w+', [\d,]+ LUTs\) is above the size guard of 10 LUTs; .*--max-luts N.*--force\n$/);
    expect(bytesTree(out)).to.deep.equal(before);
    r = qtsc(['gen-hw', '--model', model, '--out', out, '--max-luts', '10', '--force', '--quiet']);
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.existsSync(path.join(out, 'rtl', 'qtsc_top.sv'))).to.equal(true);
    expect(fs.existsSync(path.join(out, 'rtl', 'previous.v'))).to.equal(false);
  });

  it('two concurrent runs on one --out both succeed, and the output is wholly one of them', async () => {
    const out = path.join(tmpDir(), 'out');
    const start = (top: string) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'gen-hw', '--model', model, '--out', out, '--top', top, '--quiet'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
      });
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all([start('accel_a'), start('accel_b')]);
      for (const r of results) expect(r.code, r.stderr).to.equal(0);
      const top = JSON.parse(fs.readFileSync(path.join(out, 'ir.json'), 'utf8')).top as string;
      expect(['accel_a', 'accel_b']).to.include(top);
      expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).top).to.equal(top);
      const rtl = fs.readdirSync(path.join(out, 'rtl')).filter((f) => /^accel_[ab]\.sv$/.test(f));
      expect(rtl).to.deep.equal([`${top}.sv`]);
      const listed = fs.readFileSync(path.join(out, 'rtl', 'filelist.f'), 'utf8').split('\n').filter(Boolean);
      for (const f of listed) expect(fs.existsSync(path.join(out, 'rtl', f)), f).to.equal(true);
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.'))).to.deep.equal([]);
    }
  });
});
