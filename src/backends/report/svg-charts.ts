/**
 * Charts of the report as self-contained SVG text (no script, no external
 * reference, fixed number formatting so the same data gives the same bytes):
 * the Pareto front of the folding optimizer, bar charts (weight-code
 * histograms, per-channel bit efficiency) and the dataflow graph.
 */

export interface ParetoPointLike {
  cyclesPerFrame: number;
  fps: number;
  luts: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** A tick label: 1234 -> 1.2k, 2500000 -> 2.5M. */
export function shortNumber(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `${f1(x / 1e6)}M`;
  if (a >= 1e3) return `${f1(x / 1e3)}k`;
  return a >= 10 || a === 0 ? String(Math.round(x)) : x.toPrecision(2);
}

/** Powers of ten (and 2x, 5x) inside [lo, hi] for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

/**
 * Frames/s (x, log) against estimated LUTs (y, log), one dot per folding of
 * the front, joined in order; `chosen` ringed, `baseline` (today's automatic
 * folding) drawn as a cross.
 */
export function paretoSvg(front: ParetoPointLike[], opts: { chosen?: ParetoPointLike; baseline?: ParetoPointLike; clockMHz: number; title?: string }): string {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 20, t: 36, b: 50 };
  const all = [...front, ...(opts.chosen ? [opts.chosen] : []), ...(opts.baseline ? [opts.baseline] : [])];
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60" class="chart pareto"><text x="10" y="30">no folding explored</text></svg>`;
  const xs = all.map((p) => p.fps);
  const ys = all.map((p) => Math.max(1, p.luts));
  const [x0, x1] = [Math.min(...xs) / 1.3, Math.max(...xs) * 1.3];
  const [y0, y1] = [Math.min(...ys) / 1.3, Math.max(...ys) * 1.3];
  const sx = (v: number) => m.l + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * (W - m.l - m.r);
  const sy = (v: number) => H - m.b - ((Math.log10(Math.max(1, v)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="chart pareto" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${esc(opts.title ?? `Folding Pareto front (${front.length} points, ${opts.clockMHz} MHz)`)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
  for (const t of logTicks(x0, x1)) out.push(`<line x1="${f1(sx(t))}" y1="${H - m.b}" x2="${f1(sx(t))}" y2="${H - m.b + 4}" stroke="#666"/><text x="${f1(sx(t))}" y="${H - m.b + 16}" text-anchor="middle">${shortNumber(t)}</text>`);
  for (const t of logTicks(y0, y1)) out.push(`<line x1="${m.l - 4}" y1="${f1(sy(t))}" x2="${m.l}" y2="${f1(sy(t))}" stroke="#666"/><text x="${m.l - 6}" y="${f1(sy(t) + 4)}" text-anchor="end">${shortNumber(t)}</text>`);
  out.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">frames per second (log)</text>`);
  out.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">estimated LUTs (log)</text>`);
  const sorted = [...front].sort((a, b) => a.fps - b.fps);
  if (sorted.length > 1) out.push(`<polyline class="front" fill="none" stroke="#3465a4" stroke-width="1.5" points="${sorted.map((p) => `${f1(sx(p.fps))},${f1(sy(p.luts))}`).join(' ')}"/>`);
  for (const p of sorted) out.push(`<circle class="point" cx="${f1(sx(p.fps))}" cy="${f1(sy(p.luts))}" r="3" fill="#3465a4"><title>${p.cyclesPerFrame} cycles/frame, ${f1(p.fps)} frames/s, ${p.luts} LUTs</title></circle>`);
  if (opts.baseline) {
    const [x, y] = [sx(opts.baseline.fps), sy(opts.baseline.luts)];
    out.push(`<path class="baseline" d="M${f1(x - 5)} ${f1(y - 5)}L${f1(x + 5)} ${f1(y + 5)}M${f1(x - 5)} ${f1(y + 5)}L${f1(x + 5)} ${f1(y - 5)}" stroke="#cc0000" stroke-width="2"><title>automatic folding: ${opts.baseline.luts} LUTs</title></path>`);
  }
  if (opts.chosen) out.push(`<circle class="chosen" cx="${f1(sx(opts.chosen.fps))}" cy="${f1(sy(opts.chosen.luts))}" r="7" fill="none" stroke="#4e9a06" stroke-width="2"><title>chosen: ${opts.chosen.luts} LUTs</title></circle>`);
  const legend = [
    ['#3465a4', 'Pareto front'],
    ...(opts.chosen ? [['#4e9a06', 'chosen folding']] : []),
    ...(opts.baseline ? [['#cc0000', 'automatic folding']] : []),
  ];
  legend.forEach(([c, label], i) => out.push(`<rect x="${W - m.r - 130}" y="${m.t + 8 + i * 16}" width="10" height="10" fill="${c}"/><text x="${W - m.r - 115}" y="${m.t + 17 + i * 16}">${label}</text>`));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Vertical bars: one per label, heights to scale; `title` above. */
export function barSvg(labels: string[], values: number[], opts: { title: string; yLabel?: string; width?: number; height?: number; cls?: string; max?: number }): string {
  const W = opts.width ?? Math.max(240, Math.min(900, 60 + labels.length * 28));
  // Long labels are written slanted under their bar.
  const slant = labels.some((l) => l.length > 4);
  const H = (opts.height ?? 200) + (slant ? 60 : 0);
  const m = { l: 48, r: 10, t: 28, b: slant ? 100 : 40 };
  const max = opts.max ?? Math.max(1e-9, ...values);
  const bw = (W - m.l - m.r) / Math.max(1, labels.length);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="chart ${opts.cls ?? 'bars'}" font-family="sans-serif" font-size="10">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12">${esc(opts.title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#666"/>`,
    `<text x="${m.l - 4}" y="${m.t + 4}" text-anchor="end">${shortNumber(max)}</text><text x="${m.l - 4}" y="${H - m.b}" text-anchor="end">0</text>`,
  ];
  if (opts.yLabel) out.push(`<text transform="translate(12 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  labels.forEach((label, i) => {
    const h = (Math.max(0, values[i]) / max) * (H - m.t - m.b);
    const x = m.l + i * bw;
    out.push(`<rect class="bar" x="${f1(x + bw * 0.1)}" y="${f1(H - m.b - h)}" width="${f1(bw * 0.8)}" height="${f1(h)}" fill="#729fcf"><title>${esc(label)}: ${shortNumber(values[i])}</title></rect>`);
    if (labels.length <= 40 || i % Math.ceil(labels.length / 40) === 0) {
      out.push(
        slant
          ? `<text transform="translate(${f1(x + bw / 2)} ${H - m.b + 10}) rotate(-40)" text-anchor="end">${esc(label)}</text>`
          : `<text x="${f1(x + bw / 2)}" y="${H - m.b + 12}" text-anchor="middle">${esc(label)}</text>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface GraphBox {
  name: string;
  /** Lines under the name (engine, folding, figures). */
  lines: string[];
  /** Names of the boxes this one reads. */
  inputs: string[];
}

/**
 * The dataflow graph, one box per node in stream order, left to right in rows,
 * with an arrow from each box to the next and an arc for any other edge (a
 * residual branch).
 */
export function graphSvg(boxes: GraphBox[]): string {
  const bw = 170;
  const bh = 26 + 13 * Math.max(1, ...boxes.map((b) => b.lines.length));
  const gap = 30;
  const perRow = 4;
  const W = perRow * (bw + gap) + gap;
  const rows = Math.ceil(boxes.length / perRow);
  const H = rows * (bh + gap + 10) + gap;
  const pos = new Map<string, { x: number; y: number }>();
  boxes.forEach((b, i) => pos.set(b.name, { x: gap + (i % perRow) * (bw + gap), y: gap + Math.floor(i / perRow) * (bh + gap + 10) }));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="chart graph" font-family="sans-serif" font-size="10">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>',
  ];
  boxes.forEach((b, i) => {
    const p = pos.get(b.name)!;
    for (const src of b.inputs) {
      const q = pos.get(src);
      if (!q) continue;
      const adjacent = boxes[i - 1]?.name === src;
      if (adjacent && q.y === p.y) out.push(`<line x1="${q.x + bw}" y1="${q.y + bh / 2}" x2="${p.x}" y2="${p.y + bh / 2}" stroke="#555" marker-end="url(#arrow)"/>`);
      else out.push(`<path d="M${q.x + bw / 2} ${q.y + bh} C${q.x + bw / 2} ${q.y + bh + 40} ${p.x + bw / 2} ${p.y - 40} ${p.x + bw / 2} ${p.y}" fill="none" stroke="#555" marker-end="url(#arrow)"/>`);
    }
    out.push(`<g class="node"><rect x="${p.x}" y="${p.y}" width="${bw}" height="${bh}" rx="5" fill="#eef3fa" stroke="#3465a4"/>`);
    out.push(`<text x="${p.x + 6}" y="${p.y + 15}" font-weight="bold">${esc(b.name)}</text>`);
    b.lines.forEach((l, k) => out.push(`<text x="${p.x + 6}" y="${p.y + 29 + 13 * k}">${esc(l)}</text>`));
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
