import type { BatchEndEvent } from '@feedback-lab/core';

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

/**
 * A one-line progress bar redrawn on a TTY (at most every 100 ms); prints nothing otherwise,
 * so logs and pipes stay clean.
 */
export function progressBar(out: ProgressSink, now: () => number = () => performance.now()) {
  let last = 0;
  let shown = false;
  return {
    update(e: BatchEndEvent) {
      if (!out.isTTY) return;
      const t = now();
      if (t - last < 100 && e.batchInEpoch !== e.batchesInEpoch) return;
      last = t;
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 50));
      const frac = e.batchInEpoch / e.batchesInEpoch;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      out.write(`\r  epoch ${e.epoch} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%  loss ${e.loss.toFixed(4)}  ${e.samplesPerSec.toFixed(0)} samples/s `);
      shown = true;
    },
    clear() {
      if (shown && out.isTTY) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
