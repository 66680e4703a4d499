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

export function readRows(page: Page): Promise<Row[]> {
  return page.$$eval('tr[data-testid=run-row]', (trs) => trs.map((tr) => {
    const raw = (k: string) => tr.querySelector(`td[data-k=${k}]`)?.getAttribute('data-value') ?? '';
    const n = (k: string) => Number(raw(k));
    const attr = (k: string) => Number(tr.getAttribute(`data-${k}`));
    return {
      rule: tr.getAttribute('data-rule') ?? '', status: raw('status'), backend: raw('backend'), arch: raw('arch'),
      steps: n('steps'), loss: n('loss'), accuracy: n('accuracy'), firstAccuracy: attr('first-accuracy'),
      samplesPerSec: n('samplesPerSec'), paramBytes: n('paramBytes'), residentBytes: n('residentBytes'),
      firstResidentBytes: attr('first-resident'), peakTransientBytes: n('peakTransientBytes'), peakBytes: n('peakBytes'),
      memRecords: attr('mem-records'),
    };
  }));
}
