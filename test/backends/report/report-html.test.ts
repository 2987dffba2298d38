/**
 * report.html in a real browser (headless Chromium, Debian's `chromium`):
 * the dataflow graph, the per-node resource chart, the Pareto front, weight
 * histograms and bit-efficiency charts are in the rendered DOM, the page has
 * no script and no external reference, and Chromium logs no page error.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../../helpers/make-model.js';
import { initTf } from '../../../src/util/tf-backend.js';
import { compileModel } from '../../../src/compile.js';
import { buildReport } from '../../../src/backends/report/report.js';
import { reportHtml } from '../../../src/backends/report/report-html.js';
import { ReportSchema } from '../../../src/backends/report/report-schema.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

describe('backends/report/report-html', function () {
  this.timeout(300_000);
  let html: string;
  let file: string;

  before(async () => {
    await initTf({ backend: 'wasm' });
    const base = tmpDir('qtsc-html-');
    const { dir } = await makeModel({ sizes: [12, 6, 3], valueSpace: 'pow2-2', act: { kind: 'quant', bits: 2 }, seed: 3, input: { bits: 2, scale: 0.25 } }, path.join(base, 'model'));
    const compiled = await compileModel({ model: dir, folding: { targetFps: 5e6, clockMHz: 100, explore: true } });
    const report = ReportSchema.parse(JSON.parse(JSON.stringify(buildReport(compiled, { clockMHz: 100 }))));
    html = reportHtml(report);
    file = path.join(base, 'report.html');
    fs.writeFileSync(file, html);
  });

  it('is self-contained: no script, no stylesheet or image from elsewhere', () => {
    expect(html).not.to.match(/<script/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.to.match(/(src|href)\s*=\s*["'](?!#)|https?:\/\//i);
  });

  it('renders in headless Chromium with every chart and no page error', function () {
    if (!CHROMIUM) {
      console.log('      skipped: no chromium (apt-get install -y chromium)');
      this.skip();
    }
    const profile = tmpDir('qtsc-chromium-');
    const r = spawnSync(
      CHROMIUM!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    fs.rmSync(profile, { recursive: true, force: true });
    expect(r.status, r.stderr).to.equal(0);
    const dom = r.stdout;
    expect(dom).to.contain('<h1>qtsc report');
    for (const cls of ['chart graph', 'chart bars luts', 'chart pareto', 'chart bars histogram', 'chart bars efficiency']) expect(dom, cls).to.contain(`class="${cls}"`);
    expect((dom.match(/class="point"/g) ?? []).length).to.be.greaterThan(1);
    expect((dom.match(/<g class="node">/g) ?? []).length, "one box per node").to.equal(2);
    expect(r.stderr).not.to.match(/Uncaught|:CONSOLE[:(]|ERR_FILE_NOT_FOUND|net::ERR/);
  });
});
