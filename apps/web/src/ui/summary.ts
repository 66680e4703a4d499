import { bytes, num, pct } from '../format';
import type { RunData, RunSummary } from '../runs';
import { h } from './dom';

/** One table row; raw numbers go in data-value attributes for tests and copy-paste. */
export function summaryRow(s: RunSummary, color: string, r: RunData): HTMLTableRowElement {
  const cell = (k: keyof RunSummary, text: string) => h('td', { 'data-k': k, 'data-value': String(s[k]) }, text);
  return h('tr', { 'data-testid': 'run-row', 'data-rule': s.rule, 'data-id': String(s.id), 'data-status': s.status,
    // For tests and curious readers: how the figures started.
    'data-first-accuracy': String(s.firstAccuracy), 'data-first-resident': String(r.memory[0]?.startBytes ?? NaN), 'data-mem-records': String(r.memory.length) },
    h('td', { style: `color:${color}`, title: r.info.settings ?? '' }, `#${s.id} ${s.rule}`), cell('backend', s.backend), cell('arch', s.arch), cell('status', s.status),
    cell('steps', String(s.steps)), cell('loss', num(s.loss, 3)), cell('accuracy', pct(s.accuracy)),
    cell('samplesPerSec', num(s.samplesPerSec)), cell('paramBytes', bytes(s.paramBytes)), cell('residentBytes', bytes(s.residentBytes)),
    cell('peakTransientBytes', bytes(s.peakTransientBytes)), cell('peakBytes', bytes(s.peakBytes)));
}
