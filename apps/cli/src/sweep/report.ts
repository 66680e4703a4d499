import { lineChart } from '@feedback-lab/bench';
import type { CellLog } from '../reproduce/cell-log';
import { maximizes, type Objective } from './objective';
import { best, statusLabel, type TrialResult } from './results';
import { describeParam, logScale, type ParamSpace, type ParamValue } from './space';
import type { TrialCell } from './cells';

/** What results.md and results.json report, besides the ranking. */
export interface SweepReportInput {
  /** Trials ranked within each model (rankTrials). */
  ranked: readonly TrialResult[];
  space: readonly ParamSpace[];
  objective: Objective;
  /** One line of settings (search, seeds, halving, …). */
  meta: Record<string, string | number>;
  cells: readonly TrialCell[];
  logs: ReadonlyMap<string, CellLog>;
}

const DESCRIBE: Record<Objective, string> = {
  'final-acc': 'test accuracy % after the last epoch',
  'best-acc': 'best test accuracy % over the epochs',
  'final-loss': 'training loss of the last epoch',
};

const isAccuracy = (o: Objective) => o !== 'final-loss';

/** "91.20 ± 0.35" (accuracy in %) or "0.3120 ± 0.0040" (loss), "—" without a value. */
export function formatObjective(r: TrialResult, objective: Objective): string {
  if (!r.objective) return '—';
  const f = (x: number) => (isAccuracy(objective) ? (x * 100).toFixed(2) : x.toFixed(4));
  return `${f(r.objective.mean)} ± ${f(r.objective.sd)}`;
}

/** The swept parameters a plot or column is worth: those with more than one value. */
function swept(space: readonly ParamSpace[]): ParamSpace[] {
  return space.filter((p) => p.kind !== 'list' || p.values.length > 1);
}

/**
 * The sweep's report from its trials: results.md (best configuration per rule and per model,
 * then each model's ranked trials), results.json (the same, the search space and every cell's
 * epochs) and `sweep-<model>-<param>.svg`, the objective against each swept parameter.
 */
export function sweepReport(r: SweepReportInput): Record<string, string> {
  const files: Record<string, string> = {};
  const models = [...new Set(r.ranked.map((t) => t.model))];
  for (const model of models) {
    for (const p of swept(r.space)) {
      const svg = chart(r.ranked.filter((t) => t.model === model), p, r.objective, model);
      if (svg) files[`sweep-${model}-${p.name}.svg`] = svg;
    }
  }
  files['results.md'] = markdown(r, models, Object.keys(files));
  files['results.json'] = JSON.stringify({
    meta: r.meta, objective: r.objective, maximize: maximizes(r.objective), space: r.space,
    best: { perRule: best(r.ranked, 'rule'), perModel: best(r.ranked, 'model') }, trials: r.ranked,
    cells: r.cells.map((c) => ({ id: c.id, trial: c.trial, config: c.config, epochs: c.epochs, records: r.logs.get(c.id)?.epochs ?? [], failure: r.logs.get(c.id)?.failure })),
  }, null, 2) + '\n';
  return files;
}

/** The objective against one parameter for one model: a point per finished trial (± sd over seeds), a colour per rule. */
function chart(trials: readonly TrialResult[], p: ParamSpace, objective: Objective, model: string): string | undefined {
  const categories = p.kind === 'list' && p.values.some((v) => typeof v !== 'number') ? p.values : undefined;
  const x = (v: ParamValue) => (categories ? categories.indexOf(v) + 1 : (v as number));
  const y = (v: number) => (isAccuracy(objective) ? v * 100 : v);
  const done = trials.filter((t) => t.status === 'done' && t.objective && p.name in t.values);
  if (!done.length) return undefined;
  const rules = [...new Set(done.map((t) => t.rule))];
  const log = logScale(p);
  return lineChart({
    title: `${objective} vs ${p.name}: ${model} (mean ± sd over seeds)`, xLabel: `${p.name}${log ? ' (log scale)' : ''}`, yLabel: DESCRIBE[objective],
    xLog: log, lines: false, xTicks: ticks(p, categories),
    series: rules.map((rule) => ({ name: rule, points: done.filter((t) => t.rule === rule).map((t) => ({ x: x(t.values[p.name]!), y: y(t.objective!.mean), err: y(t.objective!.sd) })) })),
  });
}

function ticks(p: ParamSpace, categories: readonly ParamValue[] | undefined): { x: number; label: string }[] {
  if (categories) return categories.map((v, i) => ({ x: i + 1, label: String(v) }));
  if (p.kind === 'list') return (p.values as number[]).map((v) => ({ x: v, label: String(v) }));
  const log = p.kind === 'log-uniform';
  const [lo, hi] = log ? [Math.log10(p.min), Math.log10(p.max)] : [p.min, p.max];
  return Array.from({ length: 5 }, (_, k) => {
    const v = lo + ((hi - lo) * k) / 4;
    const xv = log ? 10 ** v : v;
    return { x: xv, label: String(Number(xv.toPrecision(2))) };
  });
}

function markdown(r: SweepReportInput, models: readonly string[], charts: readonly string[]): string {
  const params = swept(r.space).map((p) => p.name);
  const fixed = r.space.filter((p) => !params.includes(p.name));
  const obj = `${r.objective} (mean ± sd)`;
  // Columns: the first ones, the swept parameters, then numbers (right-aligned), then text.
  const head = (first: string[], numbers: string[], last: string[] = []) => {
    const cols = [...first, ...params, ...numbers, ...last];
    return [`| ${cols.join(' | ')} |`, `|${cols.map((_, i) => (i >= first.length + params.length && i < cols.length - last.length ? '---:' : '---')).join('|')}|`];
  };
  const cells = (...xs: (string | number)[]) => `| ${xs.join(' | ')} |`;
  const values = (t: TrialResult) => params.map((p) => String(t.values[p] ?? ''));
  const seeds = (t: TrialResult) => `${t.objective?.n ?? 0}/${t.seeds}`;
  const bests = (by: 'rule' | 'model') => {
    const rows = best(r.ranked, by);
    return rows.length ? [...head(['model', 'rule', 'trial'], [obj, 'seeds']), ...rows.map((t) => cells(t.model, t.rule, t.trial, ...values(t), formatObjective(t, r.objective), seeds(t)))] : ['No trial has finished yet.'];
  };
  const done = r.ranked.filter((t) => t.status === 'done').length;
  const lines = [
    '# Hyperparameter sweep',
    '',
    [...Object.entries(r.meta).map(([k, v]) => `${k}: ${v}`), `trials finished: ${done}/${r.ranked.length}`].join(' · '),
    '',
    `Objective: ${r.objective}, the ${DESCRIBE[r.objective]} (${maximizes(r.objective) ? 'higher' : 'lower'} is better), mean ± sample sd over seeds.`,
    '',
    '## Search space',
    '',
    ...r.space.map((p) => `- ${describeParam(p)}`),
    ...(fixed.length ? ['', `Fixed for every trial: ${fixed.map((p) => `${p.name} ${(p as { values: ParamValue[] }).values[0]}`).join(', ')}. Everything else is each preset's (fbl presets).`] : ['', 'Everything else is each preset\'s (fbl presets).']),
    '',
    '## Best configuration per rule',
    '',
    ...bests('rule'),
    '',
    '## Best configuration per model',
    '',
    ...bests('model'),
  ];
  for (const model of models) {
    lines.push('', `## Ranking: ${model}`, '', ...head(['rank', 'trial', 'rule', 'model'], [obj, 'seeds', 'epochs'], ['status']),
      ...r.ranked.filter((t) => t.model === model).map((t) =>
        cells(t.rank ?? '', t.trial, t.rule, t.model, ...values(t), formatObjective(t, r.objective), seeds(t), t.epochs, statusLabel(t).replace(/\|/g, '\\|'))));
    for (const c of charts.filter((f) => f.startsWith(`sweep-${model}-`))) lines.push('', `![${r.objective} vs ${c.slice(`sweep-${model}-`.length, -4)}, ${model}](${c})`);
  }
  lines.push('', 'Seeds: n/N seeds reached the trial\'s epochs. Stopped: successive halving dropped the trial at that epoch (its objective is the one there). ' +
    'Diverged: the run stopped at that step (a result: this configuration does not train). Plots show finished trials. ' +
    'Each cell (one trial × model × rule × seed) is in cells/<model>-<rule>-<trial>-s<seed>/: cell.json (its settings), epochs.jsonl and its checkpoint.', '');
  return lines.join('\n');
}
