/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no
 * network) of what report.json holds: the dataflow graph with each node's
 * folding, resources per node (estimate beside measurement), the folding
 * optimizer's Pareto front, weight-value histograms and per-channel bit
 * efficiency, and accuracy when calibrated.
 */
import type { CompileReport } from './report-schema.js';
import { barSvg, graphSvg, paretoSvg } from './svg-charts.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function errorCell(est: number, meas: number | undefined): string {
  if (meas === undefined) return `<td>${est}</td><td></td><td></td>`;
  const err = meas === 0 ? (est === 0 ? 0 : 1) : (est - meas) / meas;
  const cls = Math.abs(err) <= 0.15 ? 'ok' : 'off';
  return `<td>${est}</td><td>${meas}</td><td class="${cls}">${(100 * err).toFixed(1)}%</td>`;
}

export function reportHtml(r: CompileReport): string {
  const m = r.measured;
  const measuredOf = new Map((m?.nodes ?? []).map((n) => [n.name, n]));
  const boxes = r.layers.map((l) => ({
    name: l.name,
    inputs: l.inputs,
    lines: [
      l.op === 'mvu' ? `${l.engine} ${l.mw}x${l.mh}` : l.engine,
      l.op === 'mvu' ? `PE ${l.pe}, SIMD ${l.simd}` : `SIMD ${l.simd}`,
      `${l.cyclesPerFrame} cycles/frame`,
      `~${l.estimate.luts} LUTs${measuredOf.has(l.name) ? ` (${measuredOf.get(l.name)!.luts} synth)` : ''}`,
    ],
  }));
  const rows = r.layers.map((l) => {
    const x = measuredOf.get(l.name);
    return `<tr${l.name === r.bottleneck ? ' class="bottleneck"' : ''}><td>${esc(l.name)}</td><td>${esc(l.engine)}</td><td>${l.pe}</td><td>${l.simd}</td><td>${l.cyclesPerFrame}</td>${errorCell(l.estimate.luts, x?.luts)}${errorCell(l.estimate.ffs, x?.ffs)}<td>${l.estimate.brams}${x ? ` / ${x.brams}` : ''}</td><td>${l.estimate.dsps}${x ? ` / ${x.dsps}` : ''}</td><td>${x?.logicDepth ?? ''}</td><td>${x?.fmaxMHz ?? ''}</td></tr>`;
  });
  rows.push(
    `<tr class="total"><td>whole design</td><td></td><td></td><td></td><td>${r.expectedCyclesPerFrame}</td>${errorCell(r.estimate.total.luts, m?.top.luts)}${errorCell(r.estimate.total.ffs, m?.top.ffs)}<td>${r.estimate.total.brams}${m ? ` / ${m.top.brams}` : ''}</td><td>${r.estimate.total.dsps}${m ? ` / ${m.top.dsps}` : ''}</td><td>${m?.top.logicDepth ?? ''}</td><td>${m?.top.fmaxMHz ?? ''}</td></tr>`,
  );
  const lutChart = barSvg(
    r.layers.map((l) => l.name),
    r.layers.map((l) => l.estimate.luts),
    { title: 'Estimated LUTs per node', yLabel: 'LUTs', cls: 'bars luts' },
  );
  const sections: string[] = [];
  sections.push(`<section id="graph"><h2>Dataflow graph</h2>${graphSvg(boxes)}</section>`);
  sections.push(
    `<section id="resources"><h2>Resources and cycles per node</h2><p>Estimate (analytic, src/backends/estimates) beside measurement${m ? ` (Yosys, ${esc(m.target)}, ${esc(m.engine)})` : ' (run <code>npm run report -- --out DIR</code> to measure)'}; the bottleneck row is marked.</p>` +
      `<table><thead><tr><th>node</th><th>engine</th><th>PE</th><th>SIMD</th><th>cycles/frame</th><th>LUT est</th><th>LUT synth</th><th>err</th><th>FF est</th><th>FF synth</th><th>err</th><th>BRAM36</th><th>DSP</th><th>logic depth</th><th>fmax MHz</th></tr></thead><tbody>${rows.join('')}</tbody></table>${lutChart}` +
      (m && m.target !== 'xilinx' ? `<p>The estimates model a Xilinx 7-series fabric (LUT6); the measured ${esc(m.target)} figures count that family's cells, so the two columns are not the same unit.</p>` : '') +
      (m?.top.criticalPath
        ? `<p>fmax: 1000 / the longest path's delay by the family's cell and route delays, a first-order figure (docs/report.md). Whole design: ${m.top.criticalPath.delayNs} ns, ${m.top.criticalPath.lutLevels} LUT levels, ${esc(m.top.criticalPath.through.join(' > '))}, from <code>${esc(m.top.criticalPath.nets[0])}</code> to <code>${esc(m.top.criticalPath.nets[m.top.criticalPath.nets.length - 1])}</code>.</p>`
        : m?.levelDelay
          ? `<p>fmax from logic depth: ${m.levelDelay.fixedNs} ns + ${m.levelDelay.levelNs} ns per level (${esc(m.levelDelay.family)}), a first-order figure (docs/report.md).</p>`
          : '') +
      '</section>',
  );
  if (m?.ice40) {
    const p = m.ice40;
    let body: string;
    if (!p.fits) body = `<p>Does not fit an iCE40 ${p.device.toUpperCase()}: needs ${p.need.luts} LUT4 of ${p.have.luts}, ${p.need.brams} RAMs of ${p.have.brams}${p.over ? `; ${esc(p.over.resource)} over by ${p.over.percent}%` : ''}.</p>`;
    else if (p.skipped) body = `<p>Fits an iCE40 ${p.device.toUpperCase()}; place and route skipped: ${esc(p.skipped)}.</p>`;
    else body = `<p>iCE40 ${p.device.toUpperCase()}, nextpnr-ice40: <b>fmax ${p.fmaxMHz ?? '-'} MHz</b></p><table><tr><th>resource</th><th>used</th><th>available</th></tr>${Object.entries(p.utilisation ?? {}).filter(([, v]) => v.used > 0).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v.used}</td><td>${v.available}</td></tr>`).join('')}</table>`;
    sections.push(`<section id="pnr"><h2>Place and route</h2>${body}</section>`);
  }
  if (r.folding) {
    const f = r.folding;
    sections.push(
      `<section id="pareto"><h2>Folding optimizer</h2><p>Chosen: ${f.chosen.cyclesPerFrame} cycles/frame (${f.chosen.fps.toFixed(1)} frames/s at ${r.clockMHz} MHz), ~${f.chosen.luts} LUTs. Automatic folding: ${f.automatic.cyclesPerFrame} cycles/frame, ~${f.automatic.luts} LUTs.</p>` +
        (f.front.length ? paretoSvg(f.front, { chosen: f.chosen, baseline: f.automatic, clockMHz: r.clockMHz }) : '') +
        '</section>',
    );
  }
  if (r.weights.length) {
    const charts = r.weights.map(
      (w) =>
        `<div class="weights">${barSvg(w.values.map(String), w.counts, { title: `${w.node}: weight values`, yLabel: 'count', cls: 'bars histogram' })}` +
        barSvg(w.channelBitEfficiency.map((_, i) => String(i)), w.channelBitEfficiency, { title: `${w.node}: bit efficiency per output channel (entropy / ${w.codeBits} bit)`, max: 1, cls: 'bars efficiency', width: 560 }) +
        '</div>',
    );
    sections.push(`<section id="weights"><h2>Weights</h2>${charts.join('')}</section>`);
  }
  if (r.accuracy) {
    const a = r.accuracy;
    sections.push(
      `<section id="accuracy"><h2>Accuracy on ${a.samples} test samples of ${esc(a.source)}</h2><table><tr><th>model</th><th>accuracy</th></tr><tr><td>float (as trained)</td><td>${pct(a.float)}</td></tr><tr><td>calibrated activations (float)</td><td>${pct(a.calibrated)}</td></tr><tr><td>hardware (golden model)</td><td>${pct(a.hardware)}</td></tr></table></section>`,
    );
  }
  if (r.notes.length) sections.push(`<section id="notes"><h2>Notes</h2><ul>${r.notes.map((n) => `<li><code>${esc(n.layer)}</code>: ${esc(n.note)}</li>`).join('')}</ul></section>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>qtsc report: ${esc(r.top)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:right}
td:first-child,th:first-child{text-align:left}tr.bottleneck td{background:#fff4d6}tr.total td{font-weight:bold}
td.ok{color:#2e7d32}td.off{color:#c62828}.weights{display:flex;flex-wrap:wrap;gap:12px}svg.chart{margin:6px 0}
</style></head><body>
<h1>qtsc report: ${esc(r.top)}</h1>
<p>Model <code>${esc(r.model)}</code>; ${r.expectedCyclesPerFrame} cycles per frame (bottleneck <b>${esc(r.bottleneck)}</b>), ${r.framesPerSecond} frames/s at ${r.clockMHz} MHz; latency ${r.latencyCycles} cycles (first input word to result, no stalls); estimated ${r.estimate.total.luts} LUTs, ${r.estimate.total.ffs} FFs, ${r.estimate.total.brams} RAMB36, ${r.estimate.total.dsps} DSPs.</p>
${sections.join('\n')}
</body></html>
`;
}
