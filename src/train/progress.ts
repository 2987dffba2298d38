/**
 * Training progress: a one-line bar redrawn in place on a TTY (epoch, batch,
 * loss, accuracy, ETA); one plain line per epoch when output is not a TTY;
 * nothing with quiet.
 */
export interface ProgressSink {
  isTTY: boolean;
  write(s: string): void;
}

export interface BatchInfo {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
}

export interface EpochInfo {
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  testAcc?: number;
  seconds: number;
  imagesPerSecond: number;
  extra?: string;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  private epochStart = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly quiet: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  startEpoch(): void {
    this.epochStart = this.now();
  }

  batch(b: BatchInfo): void {
    if (this.quiet || !this.sink.isTTY) return;
    const t = this.now();
    if (b.batch < b.batches && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const elapsed = (t - this.epochStart) / 1000;
    const eta = b.batch > 0 ? (elapsed / b.batch) * (b.batches - b.batch) : NaN;
    const width = 20;
    const filled = Math.round((b.batch / b.batches) * width);
    const bar = '='.repeat(filled) + ' '.repeat(width - filled);
    const line = `epoch ${b.epoch}/${b.epochs} [${bar}] ${b.batch}/${b.batches} loss ${b.loss.toFixed(4)} acc ${(b.acc * 100).toFixed(2)}% ETA ${formatDuration(eta)}`;
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  epoch(e: EpochInfo): void {
    if (this.quiet) return;
    if (this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
    const test = e.testAcc === undefined ? '' : ` test acc ${(e.testAcc * 100).toFixed(2)}%`;
    const extra = e.extra ? ` ${e.extra}` : '';
    this.sink.write(
      `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${(e.acc * 100).toFixed(2)}%${test} ${formatDuration(e.seconds)} ${Math.round(e.imagesPerSecond)} img/s${extra}\n`,
    );
  }

  info(s: string): void {
    if (!this.quiet) this.sink.write(`${s}\n`);
  }
}
