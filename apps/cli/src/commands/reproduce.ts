import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, formatHelp, parseOptions, parseSeed, type Specs } from '../args';
import { RULE_NAMES } from '@feedback-lab/rules';
import { MEMORY_DEPTH_OPTIONS } from './bench-memory-depth';
import { failedForGood, isFinished, prepareCell, readCellLog } from '../reproduce/cell-log';
import { lastLine, type CellTask, type CommandTask } from '../reproduce/tasks';
import { QUICK, REPRODUCE_MODEL_NAMES, epochWork, planCells, plannedDataDir, type Cell, type ReproduceModel } from '../reproduce/plan';
import { lockOut } from '../reproduce/pool';
import type { Executor } from '../reproduce/executor';
import { EXECUTOR_OPTIONS, followStatus, openExecutor } from '../reproduce/open-executor';
import { redact } from '../queue/connection';
import { formatDuration, progressReporter } from '../reproduce/progress';
import { MEMORY_DIR, buildReport, type RunRecord } from '../reproduce/report';
import type { Io } from '../io';

export const REPRODUCE_OPTIONS = {
  quick: { kind: 'boolean', help: `a short version: ${QUICK.epochs} epoch on the first ${Object.entries(QUICK.limits).map(([m, n]) => `${n} (${m})`).join(', ')} training samples, depths ${QUICK.depths.join(',')} (about 10 min on 2 cores)` },
  'data-dir': { kind: 'string', help: 'CIFAR-10 binary batches; adds cifar-conv to the models' },
  out: { kind: 'string', help: 'results, logs and checkpoints (default fbl-reproduce, or fbl-reproduce-quick with --quick); rerun with the same --out to continue' },
  models: { kind: 'string', help: `comma-separated models (${REPRODUCE_MODEL_NAMES.join(', ')}; default mnist-fc,mnist-conv, plus cifar-conv with --data-dir)` },
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: 'comma-separated rules' },
  seeds: { kind: 'string', default: '1,2', help: 'comma-separated seeds; one cell per model, rule and seed' },
  epochs: { kind: 'int', min: 1, help: 'epochs per cell (default: each preset\'s, see fbl presets; 1 with --quick)' },
  limit: { kind: 'int', min: 1, help: 'train on the first N training samples only (default: all; per model with --quick)' },
  depths: { kind: 'string', help: `memory-vs-depth sweep: numbers of hidden blocks (default ${MEMORY_DEPTH_OPTIONS.depths.default}; ${QUICK.depths.join(',')} with --quick)` },
  workers: { kind: 'int', min: 1, help: 'cells trained at once, one process each (default: the number of cores)' },
  'checkpoint-every': { kind: 'int', default: 200, min: 1, help: 'steps between a cell\'s checkpoints (and at every epoch end)' },
  'retry-failed': { kind: 'boolean', help: 'also rerun cells whose last run diverged; by default a rerun leaves them as they are (it retries cells that failed on an error, such as missing data or a full disk)' },
  'report-only': { kind: 'boolean', help: 'train nothing: rebuild results.md, results.json and the plots from the cells\' logs' },
  ...EXECUTOR_OPTIONS,
  json: { kind: 'boolean', help: 'print progress and the result as JSON lines on stdout' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl reproduce [--quick] [--data-dir CIFAR_DIR] [--out DIR] [--rules R,..] [--models M,..] [--seeds 1,2]

Trains every model × rule × seed (a checkpointed \`fbl train\` run each, in parallel worker
processes), sweeps peak memory against depth, and writes OUT/results.md, OUT/results.json and
SVG plots. Hyperparameters are each preset's (fbl presets). A rerun skips finished cells and
resumes interrupted ones from their checkpoints.`;

function list(text: string, what: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${what} must list at least one value`);
  return items;
}

function integers(text: string, what: string, min: number): number[] {
  return list(text, what).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < min) throw new UsageError(`--${what} must be integers of at least ${min} joined by ","; got "${s}"`);
    return Number(s);
  });
}

/** `fbl reproduce`: the paper's accuracy and memory comparison in one command. */
export async function reproduce(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, REPRODUCE_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, REPRODUCE_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const rules = list(o.rules!, 'rules');
  for (const r of rules) if (!RULE_NAMES.includes(r)) throw new UsageError(`--rules: unknown rule "${r}" (expected ${RULE_NAMES.join(', ')})`);
  const models = (o.models ? list(o.models, 'models') : ['mnist-fc', 'mnist-conv', ...(o['data-dir'] ? ['cifar-conv'] : [])]) as ReproduceModel[];
  for (const m of models) if (!REPRODUCE_MODEL_NAMES.includes(m)) throw new UsageError(`--models: unknown model "${m}" (expected ${REPRODUCE_MODEL_NAMES.join(', ')})`);
  const seeds = list(o.seeds!, 'seeds').map((s) => parseSeed(s));
  const depths = integers(o.depths ?? (o.quick ? QUICK.depths.join(',') : String(MEMORY_DEPTH_OPTIONS.depths.default)), 'depths', 1);
  const workers = o.workers ?? availableParallelism();
  // The cores are shared among the cells: two-thread cells on a 2-core machine with two workers
  // would oversubscribe it (XNNPACK's workers spin), measured 0.5–0.7× of one thread each.
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const dataDir = plannedDataDir(models, o['data-dir'], o.queue);
  const out = resolve(o.out ?? (o.quick ? 'fbl-reproduce-quick' : 'fbl-reproduce'));
  const limits = o.limit !== undefined ? Object.fromEntries(models.map((m) => [m, o.limit!])) : o.quick ? QUICK.limits : undefined;
  const cells = planCells({ out, models, rules, seeds, epochs: o.epochs ?? (o.quick ? QUICK.epochs : undefined), limits, dataDir });
  const t0 = Date.now();
  const release = lockOut(out);
  const say = (text: string, json: object) => (o.json ? io.out(JSON.stringify(json) + '\n') : io.err.write(text + '\n'));
  let pool: Executor | undefined;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    say(o.queue ? 'fbl: interrupted; the queued cells stay on the queue for the workers, rerun the same command to follow them again'
      : 'fbl: interrupted; finished epochs and checkpoints are kept, rerun the same command to continue', { event: 'interrupted' });
    void pool?.destroy();
  };
  process.once('SIGINT', onSigint);
  try {
    cells.forEach(prepareCell);
    const logs = new Map(cells.map((c) => [c.id, readCellLog(c.dir)]));
    const open = cells.filter((c) => !isFinished(c, logs.get(c.id)!));
    // A divergence recorded in the log is the run's own verdict (it repeats itself); a cell that
    // failed on an error (data, disk) or whose process died without a word is simply resumed.
    const failed = open.filter((c) => failedForGood(logs.get(c.id)!));
    const retried = open.filter((c) => logs.get(c.id)!.failureKind === 'error');
    const todo = (o['report-only'] ? [] : o['retry-failed'] ? open : open.filter((c) => !failed.includes(c)))
      .sort((a, b) => b.epochs * epochWork(b.config) - a.epochs * epochWork(a.config));
    const memoryDir = join(out, MEMORY_DIR);
    const memoryTask = o['report-only'] || memoryDepthDone(memoryDir, rules, depths) ? undefined
      : { kind: 'command', argv: ['bench', 'memory-depth', '--rules', rules.join(','), '--depths', depths.join(','), '--out', memoryDir, '--json'] } satisfies CommandTask;
    const skipped = (o['retry-failed'] || !failed.length ? '' : `, ${failed.length} diverged before and left as they are (--retry-failed reruns them)`) +
      (retried.length && !o['report-only'] ? `, ${retried.length} failed on an error before and retried` : '');
    say(`reproduce: ${models.join(', ')} × ${rules.join(', ')} × seeds ${seeds.join(',')} = ${cells.length} cells (${cells.length - open.length} finished already${skipped})` +
      `${memoryTask ? `, memory vs depth ${depths.join(',')}` : ''}; ${o.queue ? `on the queue ${redact(o.queue)}` : `${workers} worker(s)`}; results in ${out}`,
    { event: 'plan', cells: cells.length, finished: cells.length - open.length, failedBefore: failed.map((c) => c.id), retried: retried.map((c) => c.id), todo: todo.length, models, rules, seeds, depths, workers, out });
    const progress = progressReporter({ cells, workers: () => pool?.slots() ?? workers, json: !!o.json, write: (line) => (o.json ? io.out(line + '\n') : io.err.write(line + '\n')) });
    const failures: string[] = [];
    if (todo.length || memoryTask) {
      pool = await openExecutor({ workers, queue: o.queue, store: o.store, out, say });
      const timer = setInterval(() => progress.poll(), 1000);
      const stopStatus = followStatus(pool, say);
      const run = (task: CellTask | CommandTask) => pool!.run(task);
      try {
        await Promise.all([
          ...(memoryTask ? [run(memoryTask).then((r) => {
            if (r.code !== 0) failures.push(`memory-depth: ${lastLine(r.err)}`);
            else say('memory vs depth: done', { event: 'memory-depth-done', dir: memoryDir });
          })] : []),
          ...todo.map((cell) => run(cellTask(cell, o['checkpoint-every']!, threads)).then((r) => {
            progress.poll();
            if (r.code !== 0 && !interrupted) {
              failures.push(`${cell.id}: ${lastLine(r.err)}`);
              progress.failed(cell, lastLine(r.err));
            }
          })),
        ]);
      } finally {
        clearInterval(timer);
        stopStatus();
        await pool.destroy();
      }
    }
    const wall = (Date.now() - t0) / 1000;
    const runsFile = join(out, 'runs.jsonl');
    // Each invocation that trained something, so the report can say what the results cost.
    if (todo.length || memoryTask) {
      appendFileSync(runsFile, JSON.stringify({ date: new Date(t0).toISOString(), command: redact(`fbl reproduce ${argv.join(' ')}`.trim()), wallSeconds: Math.round(wall), cells: todo.length, interrupted }) + '\n');
    }
    const report = buildReport(out, cells, {
      mode: o.quick ? 'quick' : 'full', seeds: seeds.join(','), workers, backend: 'wasm', report: new Date().toISOString().slice(0, 16).replace('T', ' '),
    }, readRuns(runsFile));
    for (const [name, text] of Object.entries(report.files)) writeFileSync(join(out, name), text);
    if (o.json) {
      io.out(JSON.stringify({ event: 'done', out, finished: report.finished, cells: cells.length, failed: failures, wallSeconds: Math.round(wall), groups: report.groups }) + '\n');
    } else {
      const md = report.files['results.md']!;
      io.out(md.slice(md.indexOf('## Final test accuracy'), md.indexOf('## Test accuracy per epoch')));
      io.out(`${report.finished}/${cells.length} cells finished in ${formatDuration(wall)}; wrote ${Object.keys(report.files).map((f) => join(out, f)).join(', ')}\n`);
      for (const f of failures) io.err.write(`fbl: failed: ${f}\n`);
    }
    if (interrupted) return 130;
    const unfinished = cells.length - report.finished;
    // The comparison is only complete when every cell is: say so in the exit code too.
    if (unfinished && !o.json) io.err.write(`fbl: ${unfinished} of ${cells.length} cells did not finish; see "Unfinished cells" in ${join(out, 'results.md')}\n`);
    return unfinished || failures.some((f) => f.startsWith('memory-depth:')) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    release();
  }
}

function cellTask(cell: Cell, checkpointEvery: number, threads: number): CellTask {
  return { kind: 'cell', id: cell.id, dir: cell.dir, config: cell.config, epochs: cell.epochs, checkpointEvery, threads };
}

/** Whether the sweep in `dir` already measured every rule at every depth asked for. */
function memoryDepthDone(dir: string, rules: readonly string[], depths: readonly number[]): boolean {
  try {
    const { rows } = JSON.parse(readFileSync(join(dir, 'memory-depth.json'), 'utf8')) as { rows: { rule: string; depth: number }[] };
    return rules.every((r) => depths.every((d) => rows.some((x) => x.rule === r && x.depth === d)));
  } catch {
    return false;
  }
}

/** The runs.jsonl lines that parse (a line torn by a kill is skipped). */
function readRuns(path: string): RunRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as RunRecord];
    } catch {
      return [];
    }
  });
}

