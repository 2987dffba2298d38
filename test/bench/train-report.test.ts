import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEADING, renderSection, updateBenchmarksMd, type BenchResults } from '../../bench/train-report.js';
import { plan } from '../../bench/train-plan.js';
import { tmpDir } from '../helpers/make-model.js';

describe('bench:train report', () => {
  it('rewrites only its own section of BENCHMARKS.md, creating the file when absent', () => {
    const file = path.join(tmpDir(), 'BENCHMARKS.md');
    updateBenchmarksMd(file, `${HEADING}\n\nfirst\n`);
    expect(fs.readFileSync(file, 'utf8')).to.equal(`# Benchmarks\n\n${HEADING}\n\nfirst\n`);
    const others = `# Benchmarks\n\nintro\n\n## Hardware\n\nhw table\n\n${HEADING}\n\nold\n### sub\nold too\n\n## Later section\n\nkeep me\n`;
    fs.writeFileSync(file, others);
    updateBenchmarksMd(file, `${HEADING}\n\nnew\n`);
    expect(fs.readFileSync(file, 'utf8')).to.equal(`# Benchmarks\n\nintro\n\n## Hardware\n\nhw table\n\n${HEADING}\n\nnew\n\n## Later section\n\nkeep me\n`);
    fs.writeFileSync(file, '# Benchmarks\n\n## Hardware\n\nx\n');
    updateBenchmarksMd(file, `${HEADING}\n\nappended\n`);
    expect(fs.readFileSync(file, 'utf8')).to.equal(`# Benchmarks\n\n## Hardware\n\nx\n\n${HEADING}\n\nappended\n`);
  });

  it('renders a run with its command and accuracy, FP32 deltas and target verdicts; runs not made are said to be so', () => {
    const runs = plan({ mlpEpochs: 3, cnnEpochs: 1, cnnFullEpochs: 2, cnnLongEpochs: 3, fashionDir: 'd', fashionTinyDir: 't', fashionSpeedDir: 's' });
    const rec = (id: string, acc: number) => ({
      id, section: 'mlp', command: `npm run train -- ${id}`, meta: {}, status: 'ok' as const, exitCode: 0, seconds: 1, peakRssBytes: 2 ** 20,
      loadBefore: [5, 5, 5], loadAfter: [6, 6, 6], finishedAt: '', result: { testAccuracy: acc, imagesPerSecond: 500, secondsPerEpoch: 16 },
    });
    const res: BenchResults = {
      format: 'qtsc-bench-train', version: 1, machine: { cpus: 2, cpuModel: 'x', node: 'v20', tfjs: '4', platform: 'linux' },
      runs: { 'mlp-fp-act4': rec('mlp-fp-act4', 0.96), 'mlp-rdhs-binary-act4': rec('mlp-rdhs-binary-act4', 0.955), 'mlp-sgt-binary-act4': rec('mlp-sgt-binary-act4', 0.94) },
    };
    const md = renderSection(res, runs);
    expect(md.startsWith(`${HEADING}\n`)).to.equal(true);
    expect(md).to.contain('| binary | RDHS | 4-bit | 95.50 | -0.50 | ≤ 1.0: met | 500 |');
    expect(md).to.contain('| binary | SGT | 4-bit | 94.00 | -2.00 | ≤ 1.0: **missed** |');
    expect(md).to.contain('`npm run train -- mlp-rdhs-binary-act4`');
    expect(md).to.match(/\| pow2-3 \| RDHS \| 4-bit \| not run \|/);
    // the longer whole-data-set runs: their own table, distilled and initialised rows named so
    expect(md).to.contain('### Fashion-MNIST CNN on the whole data set, longer');
    expect(md).to.match(/\| binary \(FP32 teacher\) \| SGT \| 4-bit \| not run \|/);
    expect(md).to.match(/\| pow2-3 \(from the FP32 model\) \(FP32 teacher\) \| SGT \| 4-bit \| not run \|/);
  });
});
