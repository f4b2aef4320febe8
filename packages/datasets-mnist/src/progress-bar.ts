import type { Progress } from './download.js';

/** A terminal stream: process.stderr, or a test double. */
export interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  /** Writes text as it is (the bar redraws its line with a carriage return). */
  write(text: string): unknown;
}

const mb = (n: number) => (n / 1e6).toFixed(1);

/** A one-line progress bar redrawn in place (at most every `intervalMs`), ended with a newline when a file completes. */
export function progressBar(stream: TtyLike, intervalMs = 100): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const complete = p.total !== null && p.received >= p.total;
    const now = Date.now();
    if (!complete && now - last < intervalMs) return;
    last = now;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    let line: string;
    if (p.total) {
      const frac = Math.min(1, p.received / p.total);
      const filled = Math.round(frac * width);
      line = `${p.file} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(p.received)}/${mb(p.total)} MB`;
    } else {
      line = `${p.file} ${mb(p.received)} MB`;
    }
    stream.write(`\r${line}\x1b[K${complete ? '\n' : ''}`);
  };
}
