import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, type MemoryDepthRow, type MemoryDepthSummary } from '@feedback-lab/bench';
import { meanStd } from '../bench/accuracy-table';
import { isFinished, readCellLog, type CellLog, type EpochRecord } from './cell-log';
import { cellSamples, REPRODUCE_MODELS, type Cell, type ReproduceModel } from './plan';
import { lrLabel } from '../lr-label';

/** Where the memory-vs-depth sweep writes (fbl bench memory-depth --out). */
export const MEMORY_DIR = 'memory-depth';

/** Mean ± sd over the seeds that reached a point, and how many did. */
interface Stat {
  mean: number;
  sd: number;
  n: number;
}

/** One model × rule of the comparison, aggregated over seeds. */
export interface GroupSummary {
  model: ReproduceModel;
  rule: string;
  seeds: number;
  /** Seeds whose last run failed (diverged, ran out of memory): the rest of the log says why. */
  failed: number;
  /** Test accuracy after each epoch. */
  perEpoch: (Stat & { epoch: number })[];
  /** Test accuracy after each seed's last planned epoch (only seeds that finished). */
  final?: Stat;
  /** Largest peak tensor bytes and wasm heap over each seed's epochs, then mean over seeds. */
  peakBytes?: Stat;
  wasmHeapBytes?: Stat;
  /** Mean wall seconds of a cell from its worker's start (data loading, epochs and evaluations). */
  wallSeconds?: number;
}

/** One invocation of `fbl reproduce` that trained something (OUT/runs.jsonl). */
export interface RunRecord {
  date: string;
  command: string;
  wallSeconds: number;
  /** Cells it set out to train (finished cells are skipped). */
  cells: number;
  interrupted: boolean;
}

/** The files `fbl reproduce` writes into OUT (markdown, JSON, one SVG per model). */
export interface Report {
  files: Record<string, string>;
  groups: GroupSummary[];
  finished: number;
}

/**
 * Builds the comparison's report from the cells' epochs.jsonl files alone (so a rerun, or a
 * run killed halfway, reports whatever the files hold): results.md, results.json and
 * accuracy-<model>.svg, with the memory-vs-depth sweep's figure when it exists in OUT.
 */
export function buildReport(out: string, cells: readonly Cell[], meta: Record<string, string | number>, runs: readonly RunRecord[] = []): Report {
  const logs = new Map(cells.map((c) => [c.id, readCellLog(c.dir)]));
  const models = [...new Set(cells.map((c) => c.config.model))];
  const rules = [...new Set(cells.map((c) => c.config.rule))];
  const groups = models.flatMap((model) => rules.map((rule) => summarize(cells.filter((c) => c.config.model === model && c.config.rule === rule), logs)));
  const finished = cells.filter((c) => isFinished(c, logs.get(c.id)!)).length;
  const memory = readMemoryDepth(out);
  const files: Record<string, string> = {};
  for (const model of models) {
    const mine = groups.filter((g) => g.model === model && g.perEpoch.length);
    if (!mine.length) continue;
    files[`accuracy-${model}.svg`] = lineChart({
      title: `Test accuracy per epoch: ${model} (mean ± sd over seeds)`, xLabel: 'epoch', yLabel: 'test accuracy %',
      series: mine.map((g) => ({ name: g.rule, points: g.perEpoch.map((p) => ({ x: p.epoch, y: p.mean * 100, err: p.sd * 100 })) })),
    });
  }
  files['results.md'] = markdown({ cells, groups, models, rules, logs, finished, meta, memory, runs, charts: Object.keys(files) });
  files['results.json'] = JSON.stringify({
    meta, invocations: runs, finished, total: cells.length, groups,
    cells: cells.map((c) => ({ id: c.id, config: c.config, epochs: c.epochs, records: logs.get(c.id)!.epochs, failure: logs.get(c.id)!.failure, failureKind: logs.get(c.id)!.failureKind })),
    ...(memory ? { memoryDepth: memory.summary } : {}),
  }, null, 2) + '\n';
  return { files, groups, finished };
}

function summarize(cells: readonly Cell[], logs: Map<string, CellLog>): GroupSummary {
  const first = cells[0]!;
  const records = cells.map((c) => logs.get(c.id)!.epochs.filter((e) => e.epoch <= c.epochs));
  const done = cells.map((c, i) => (isFinished(c, logs.get(c.id)!) ? records[i]! : undefined)).filter((r): r is EpochRecord[] => !!r);
  const epochs = [...new Set(records.flat().map((e) => e.epoch))].sort((a, b) => a - b);
  const stat = (xs: number[]): Stat | undefined => (xs.length ? { ...rename(meanStd(xs)), n: xs.length } : undefined);
  const heaps = done.flatMap((r) => (r.some((e) => e.wasmHeapBytes !== undefined) ? [Math.max(...r.map((e) => e.wasmHeapBytes ?? 0))] : []));
  const walls = cells.map((c) => wallSeconds(logs.get(c.id)!)).filter((s) => s > 0);
  return {
    model: first.config.model, rule: first.config.rule, seeds: cells.length,
    failed: cells.filter((c) => logs.get(c.id)!.failure !== undefined).length,
    perEpoch: epochs.map((epoch) => ({ epoch, ...stat(records.flatMap((r) => r.filter((e) => e.epoch === epoch).map((e) => e.testAccuracy)))! })),
    final: stat(done.map((r) => r.at(-1)!.testAccuracy)),
    peakBytes: stat(done.map((r) => Math.max(...r.map((e) => e.peakBytes)))),
    wasmHeapBytes: stat(heaps),
    ...(walls.length ? { wallSeconds: walls.reduce((a, b) => a + b, 0) / walls.length } : {}),
  };
}

function rename(s: { mean: number; std: number }): { mean: number; sd: number } {
  return { mean: s.mean, sd: s.std };
}

/** Wall seconds a cell has run: each start to the last line of that run. */
function wallSeconds(log: CellLog): number {
  const marks = [...log.starts.map((t) => ({ t, start: true })), ...log.epochs.map((e) => ({ t: e.time, start: false }))].sort((a, b) => a.t - b.t);
  let total = 0;
  let from: number | undefined;
  let last: number | undefined;
  for (const m of marks) {
    if (m.start) {
      if (from !== undefined && last !== undefined) total += last - from;
      from = m.t;
      last = undefined;
    } else last = m.t;
  }
  if (from !== undefined && last !== undefined) total += last - from;
  return total / 1000;
}

function readMemoryDepth(out: string): { rows: MemoryDepthRow[]; summary: MemoryDepthSummary } | undefined {
  const path = join(out, MEMORY_DIR, 'memory-depth.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { rows: MemoryDepthRow[]; summary: MemoryDepthSummary };
  } catch {
    return undefined;
  }
}

const pct = (s: Stat | undefined, seeds: number, failed = 0) =>
  (s ? `${(s.mean * 100).toFixed(2)} ± ${(s.sd * 100).toFixed(2)}${s.n < seeds ? ` (n=${s.n})` : ''}` : '—') + (failed ? ` (${failed}/${seeds} failed)` : '');
const mib = (b: number | undefined, digits = 2) => (b === undefined ? '—' : (b / 2 ** 20).toFixed(digits));

interface MarkdownInput {
  cells: readonly Cell[];
  groups: GroupSummary[];
  models: ReproduceModel[];
  rules: string[];
  logs: Map<string, CellLog>;
  finished: number;
  meta: Record<string, string | number>;
  memory?: { rows: MemoryDepthRow[]; summary: MemoryDepthSummary };
  runs: readonly RunRecord[];
  charts: string[];
}

function markdown(m: MarkdownInput): string {
  const g = (model: string, rule: string) => m.groups.find((x) => x.model === model && x.rule === rule)!;
  const head = (cols: string[]) => [`| rule | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  const lines = [
    '# Random-feedback rules vs backprop: the paper\'s comparison',
    '',
    [...Object.entries(m.meta).map(([k, v]) => `${k}: ${v}`), `cells finished: ${m.finished}/${m.cells.length}`].join(' · '),
    '',
    '## Final test accuracy (%, mean ± sd over seeds)',
    '',
    ...head(m.models),
    ...m.rules.map((r) => `| ${r} | ${m.models.map((model) => pct(g(model, r).final, g(model, r).seeds, g(model, r).failed)).join(' | ')} |`),
    '',
    'Test accuracy on the full test set after each cell\'s last epoch; sd is the sample standard deviation over seeds (0 for one seed); (n=k): only k seeds have finished; failed: the run stopped (see Unfinished cells).',
    '',
    '## Test accuracy per epoch (%, mean ± sd over seeds)',
  ];
  for (const model of m.models) {
    const cell = m.cells.find((c) => c.config.model === model)!;
    const epochs = Math.max(...m.cells.filter((c) => c.config.model === model).map((c) => c.epochs));
    const cols = Array.from({ length: epochs }, (_, i) => `epoch ${i + 1}`);
    lines.push('', `### ${model}: preset ${cell.config.preset} on ${cell.config.dataset}, ${cellSamples(cell.config)} training samples per epoch`, '', ...head(cols),
      ...m.rules.map((r) => `| ${r} | ${cols.map((_, i) => pct(g(model, r).perEpoch.find((p) => p.epoch === i + 1), g(model, r).seeds)).join(' | ')} |`));
    if (m.charts.includes(`accuracy-${model}.svg`)) lines.push('', `![test accuracy per epoch, ${model}](accuracy-${model}.svg)`);
  }
  lines.push('', '## Peak memory per rule (MiB, mean over seeds)', '',
    ...head(m.models.flatMap((model) => [`${model} tensors`, `${model} wasm heap`])),
    ...m.rules.map((r) => `| ${r} | ${m.models.flatMap((model) => [mib(g(model, r).peakBytes?.mean), mib(g(model, r).wasmHeapBytes?.mean, 0)]).join(' | ')} |`),
    '', 'Tensors: the largest tfjs tensor bytes over the profiled training steps (one in 50, as `fbl train` measures) and the epoch ends. ' +
    'Wasm heap: the heap of the cell\'s own process at its last epoch end, a high-water mark over training and the evaluations.');
  lines.push('', '## Memory vs depth', '');
  if (m.memory) {
    const { rows } = m.memory;
    lines.push(`![peak transient memory vs depth](${MEMORY_DIR}/memory-depth.svg)`, '', '| rule | depths | peak transient MiB (shallow → deep) | growth |', '|---|---|---|---:|',
      ...[...new Set(rows.map((r) => r.rule))].map((rule) => {
        const mine = rows.filter((r) => r.rule === rule).sort((a, b) => a.depth - b.depth);
        const [lo, hi] = [mine[0]!, mine.at(-1)!];
        return `| ${rule} | ${lo.depth} → ${hi.depth} | ${mib(lo.peakTransientBytes)} → ${mib(hi.peakTransientBytes)} | ×${(hi.peakTransientBytes / lo.peakTransientBytes).toFixed(2)} |`;
      }),
      '', `One training step of an MLP (width ${rows[0]?.width ?? '?'}, batch ${rows[0]?.batchSize ?? '?'}, tanh, momentum) per rule and depth; details in [${MEMORY_DIR}/memory-depth.md](${MEMORY_DIR}/memory-depth.md).`);
  } else {
    lines.push('Not measured yet (the sweep writes memory-depth/ when it finishes).');
  }
  lines.push('', '## Hyperparameters (the preset\'s and the rule\'s defaults at run time)', '',
    '| model | rule | optimizer | lr | batch | epochs | feedback | feedback scale | conv signal | inputs | train samples | wall s / cell |', '|---|---|---|---:|---:|---:|---|---:|---|---|---:|---:|',
    ...m.models.flatMap((model) => m.rules.map((r) => {
      const c = m.cells.find((x) => x.config.model === model && x.config.rule === r)!;
      const wall = g(model, r).wallSeconds;
      return `| ${model} | ${r} | ${c.config.optimizer} | ${lrLabel(c.config.lr, c.config.lrDecaySteps)} | ${c.config.batchSize} | ${c.epochs} | ${c.config.feedback ?? 'rule default'} | ${c.config.feedbackScale} | ${c.config.feedbackConv ?? 'uniform'} | ${c.config.normalize ? 'standardised' : '[0, 1]'} | ${cellSamples(c.config)} | ${wall === undefined ? '—' : wall.toFixed(0)} |`;
    })));
  const open = m.cells.filter((c) => !isFinished(c, m.logs.get(c.id)!));
  if (open.length) {
    lines.push('', '## Unfinished cells', '', '| cell | epochs done | last error |', '|---|---:|---|',
      ...open.map((c) => {
        const log = m.logs.get(c.id)!;
        const error = log.failure === undefined ? '' : `${log.failure}${log.failureKind === 'error' ? ' (the next run retries it)' : ''}`;
        return `| ${c.id} | ${log.epochs.length}/${c.epochs} | ${error.replace(/\|/g, '\\|')} |`;
      }));
  }
  if (m.runs.length) {
    lines.push('', '## Runs', '', '| started (UTC) | command | wall time | cells to train |', '|---|---|---:|---:|',
      ...m.runs.map((r) => `| ${r.date.slice(0, 16).replace('T', ' ')} | \`${r.command}\` | ${(r.wallSeconds / 60).toFixed(1)} min${r.interrupted ? ' (interrupted)' : ''} | ${r.cells} |`));
  }
  lines.push('', `Models: ${m.models.map((model) => `${model} = preset ${REPRODUCE_MODELS[model].preset} on ${REPRODUCE_MODELS[model].dataset}`).join('; ')}. ` +
    'Per-cell logs (one JSON line per epoch) and checkpoints are in cells/<model>-<rule>-s<seed>/.', '');
  return lines.join('\n');
}
