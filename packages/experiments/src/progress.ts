/**
 * A progress bar on stderr: redrawn in place at most 10×/s on a terminal,
 * one plain line every few seconds otherwise (e.g. in a Slurm log), silent
 * with --quiet. Shows rate and ETA.
 */
export class Progress {
  private readonly start = Date.now();
  private last = 0;
  private shown = -1;
  private readonly tty = Boolean(process.stderr.isTTY);
  /** Units already done when this bar started (a resumed run): not counted in the rate. */
  private base = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'nets',
    private readonly quiet = false,
  ) {}

  /** The run resumed with `done` units already done: the rate and ETA count only what this bar sees done. */
  resumedAt(done: number): void {
    this.base = done;
  }

  /** Report `done` of `total`; `extra` is appended (e.g. distinct functions). */
  update(done: number, extra = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const interval = this.tty ? 100 : 5000;
    if (now - this.last < interval && done < this.total) return;
    this.last = now;
    this.shown = done;
    const secs = (now - this.start) / 1000;
    const rate = (done - this.base) / Math.max(secs, 1e-9);
    const frac = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const eta = rate > 0 ? (this.total - done) / rate : Number.POSITIVE_INFINITY;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const line = `${this.label} ${bar} ${(100 * frac).toFixed(1)}% ${fmtCount(done)}/${fmtCount(this.total)} ${this.unit} · ${fmtRate(rate)} ${this.unit}/s · ETA ${fmtTime(eta)}${extra ? ` · ${extra}` : ''}`;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  }

  /** Final line with the elapsed time. */
  done(extra = ''): void {
    if (this.quiet) return;
    this.last = 0;
    if (this.shown !== this.total || this.tty) this.update(this.total, extra);
    if (this.tty) process.stderr.write('\n');
  }

  elapsedSeconds(): number {
    return (Date.now() - this.start) / 1000;
  }
}

export function fmtCount(x: number): string {
  if (!Number.isFinite(x)) return '?';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return `${Math.round(x)}`;
}

/** A rate: as fmtCount, but under 10 with two significant digits, so a slow SGD ensemble reads 0.29 runs/s, not 0. */
export function fmtRate(x: number): string {
  if (Number.isFinite(x) && x > 0 && x < 10) return x.toPrecision(2);
  return fmtCount(x);
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  // Round once, then split, so 119.6 s reads 2m00s (not 1m60s).
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  const m = Math.round(t / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
