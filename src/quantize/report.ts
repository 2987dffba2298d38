/**
 * ptq-report.md: the statistics of ptq-stats.json for people, one table row
 * per layer, the per-channel quartile spread, and each layer's float and
 * quantized histograms drawn as text bars on common bins.
 */
import type { PtqStats } from './quantize-model.js';

const BAR = 40;

function num(x: number | null, digits = 4): string {
  if (x === null) return 'exact';
  return Number.isInteger(x) ? String(x) : x.toPrecision(digits);
}

function bars(counts: number[], max: number): string[] {
  return counts.map((c) => '#'.repeat(max > 0 ? Math.round((c / max) * BAR) : 0));
}

export function ptqReportMarkdown(s: PtqStats): string {
  const lines: string[] = [];
  lines.push(`# Post-training quantization: ${s.scheme}, ${s.bits} bits, per ${s.granularity}`);
  lines.push('');
  lines.push(`Model: \`${s.model}\`. Statistics in ptq-stats.json.`);
  if (s.evaluation) {
    const e = s.evaluation;
    lines.push('');
    lines.push(`Test accuracy on ${e.dataset} (${e.images} images): float ${(e.floatAccuracy * 100).toFixed(2)}%, quantized ${(e.quantizedAccuracy * 100).toFixed(2)}%.`);
  }
  lines.push('');
  lines.push('| layer | shape | written as | hardware | levels used | entropy (bits) | SQNR (dB) | packed bytes | codes gzip bytes | gzip bits/weight |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const l of s.layers) {
    lines.push(
      `| ${l.layer} | ${l.shape.join('x')} | ${l.outputClassName} | ${l.hardware} | ${(l.levelsUsedFraction * 100).toFixed(1)}% of ${l.levelsPerQuantizer} | ${num(l.entropyBits, 3)} | ${num(l.sqnrDb, 3)} | ${l.sizes.packedBytes} | ${l.sizes.codesGzipBytes} | ${l.sizes.codesGzipBitsPerWeight.toFixed(2)} |`,
    );
  }
  lines.push('');
  const t = s.totals;
  lines.push(`Totals: ${t.weights} weights; float32 ${t.float32Bytes} bytes, packed codes ${t.packedBytes} bytes, gzipped codes ${t.codesGzipBytes} bytes; ${t.multiplierFreeLayers} of ${s.layers.length} layers written with a value space.`);
  for (const l of s.layers) {
    lines.push('');
    lines.push(`## ${l.layer}`);
    lines.push('');
    const iqr = l.perChannel.map((c) => c.float.q3 - c.float.q1);
    const qiqr = l.perChannel.map((c) => c.quantized.q3 - c.quantized.q1);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    lines.push(
      `Float quartiles ${num(l.float.min)} / ${num(l.float.q1)} / ${num(l.float.median)} / ${num(l.float.q3)} / ${num(l.float.max)}; ` +
        `quantized ${num(l.quantized.min)} / ${num(l.quantized.q1)} / ${num(l.quantized.median)} / ${num(l.quantized.q3)} / ${num(l.quantized.max)}. ` +
        `Per-channel interquartile range: float mean ${num(mean(iqr))}, quantized mean ${num(mean(qiqr))} (${l.channels} channels).`,
    );
    lines.push('');
    lines.push('```');
    const max = Math.max(...l.histogram.float, ...l.histogram.quantized);
    const fb = bars(l.histogram.float, max);
    const qb = bars(l.histogram.quantized, max);
    for (let i = 0; i < fb.length; i++) {
      const lo = l.histogram.edges[i];
      lines.push(`${lo.toPrecision(3).padStart(10)} float ${fb[i].padEnd(BAR)} | quant ${qb[i]}`);
    }
    lines.push('```');
  }
  return lines.join('\n') + '\n';
}
