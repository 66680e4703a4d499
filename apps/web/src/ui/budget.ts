import { bytes } from '../format';
import type { BudgetReport } from '../protocol';
import { lineChart, type Line } from './chart';
import { byId, h } from './dom';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

/**
 * The lines of one budget chart: each rule's predicted peak against `axis` (depth or batch), and
 * the heap limit and the refusal budget as flat lines, so where BP crosses them shows.
 */
export function budgetLines(report: BudgetReport, axis: 'byDepth' | 'byBatch'): Line[] {
  const curve = report[axis];
  if (!curve) return [];
  const flat = (label: string, color: string, y: number): Line => ({ label, color, x: curve.x, y: curve.x.map(() => y), dashed: true });
  return [
    ...Object.entries(curve.peaks).map(([rule, y], i): Line => ({ label: rule, color: PALETTE[i % PALETTE.length]!, x: curve.x, y })),
    flat('wasm heap limit', '#000000', report.limitBytes),
    flat('budget', '#888888', report.budgetBytes),
  ];
}

/** Rows of the budget table: per rule, predicted peak at the form's batch, fits or not, the largest batch that fits. */
export function budgetRows(report: BudgetReport): { rule: string; peak: string; fits: boolean; largestBatch: string }[] {
  return report.rows.map((r) => ({ rule: r.rule, peak: bytes(r.peakBytes), fits: r.fits, largestBatch: r.largestBatch >= 2 ** 20 ? '≥ 1048576' : String(r.largestBatch) }));
}

/**
 * The memory-budget panel: before a run, every rule's predicted peak for the model and batch in
 * the form against the browser's wasm heap, the largest batch each fits, and the peak against
 * depth and batch per rule. The wasm heap's size while training is shown next to it.
 */
export function setupBudgetPanel() {
  const depthChart = lineChart(byId('chart-budget-depth'), { title: 'Predicted peak against depth (this batch)', xLabel: 'depth (blocks)', yFormat: bytes, log: { x: true, y: true }, points: true });
  const batchChart = lineChart(byId('chart-budget-batch'), { title: 'Predicted peak against batch (this model)', xLabel: 'batch', yFormat: bytes, log: { x: true, y: true }, points: true });
  let maxHeap = 0;
  return {
    show(report: BudgetReport): void {
      const table = byId('budget-table');
      table.querySelector('tbody')!.replaceChildren(...budgetRows(report).map((r) => h('tr',
        { 'data-rule': r.rule, 'data-fits': String(r.fits), class: r.rule === report.rule ? 'selected' : '' },
        h('td', {}, r.rule), h('td', {}, r.peak), h('td', {}, r.fits ? 'fits' : 'refused'), h('td', {}, r.largestBatch))));
      const panel = byId('budget');
      panel.dataset.rule = report.rule;
      panel.dataset.fits = String(report.rows.find((r) => r.rule === report.rule)?.fits ?? false);
      const held = report.heldBytes > 0 ? `, less ${bytes(report.heldBytes)} already held` : '';
      byId('budget-note').textContent = `${report.model} at batch ${report.batchSize}: wasm heap limit ${bytes(report.limitBytes)}; `
        + `a run predicted above ${bytes(report.budgetBytes)} (¾ of it${held}) is refused before it allocates. `
        + 'Other backends (WebGL, WebGPU) are bound by GPU memory instead.';
      byId('chart-budget-depth').hidden = !report.byDepth;
      if (report.byDepth) depthChart.update(budgetLines(report, 'byDepth'));
      batchChart.update(budgetLines(report, 'byBatch'));
    },
    /** The wasm heap's size after a step (it only grows): shown with the largest seen. */
    heap(bytesNow: number): void {
      maxHeap = Math.max(maxHeap, bytesNow);
      const el = byId('heap');
      el.dataset.bytes = String(maxHeap);
      el.textContent = `wasm heap while training: ${bytes(maxHeap)}`;
    },
  };
}
