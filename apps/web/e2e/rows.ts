import type { Page } from 'playwright-core';

/** One row of the summary table, read from its data attributes (raw numbers, not the text). */
export interface Row {
  rule: string;
  status: string;
  backend: string;
  arch: string;
  steps: number;
  loss: number;
  accuracy: number;
  firstAccuracy: number;
  samplesPerSec: number;
  paramBytes: number;
  residentBytes: number;
  firstResidentBytes: number;
  peakTransientBytes: number;
  peakBytes: number;
  memRecords: number;
}

// Sent as source text: tsx (keepNames) would wrap a function's inner closures in a `__name`
// helper that does not exist in the page.
const READ_ROWS = `[...document.querySelectorAll('tr[data-testid=run-row]')].map((tr) => {
  const raw = (k) => tr.querySelector('td[data-k=' + k + ']')?.getAttribute('data-value') ?? '';
  const n = (k) => Number(raw(k));
  const attr = (k) => Number(tr.getAttribute('data-' + k));
  return {
    rule: tr.getAttribute('data-rule') ?? '', status: raw('status'), backend: raw('backend'), arch: raw('arch'),
    steps: n('steps'), loss: n('loss'), accuracy: n('accuracy'), firstAccuracy: attr('first-accuracy'),
    samplesPerSec: n('samplesPerSec'), paramBytes: n('paramBytes'), residentBytes: n('residentBytes'),
    firstResidentBytes: attr('first-resident'), peakTransientBytes: n('peakTransientBytes'), peakBytes: n('peakBytes'),
    memRecords: attr('mem-records'),
  };
})`;

export function readRows(page: Page): Promise<Row[]> {
  return page.evaluate(READ_ROWS) as Promise<Row[]>;
}
