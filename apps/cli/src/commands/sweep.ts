import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { RULE_NAMES } from '@feedback-lab/rules';
import { SEED_MAX, UsageError, parseSeed, formatHelp, parseOptions, type Specs } from '../args';
import { prepareCell, readCellLog, type CellLog } from '../reproduce/cell-log';
import type { Executor } from '../reproduce/executor';
import { EXECUTOR_OPTIONS, followStatus, openExecutor } from '../reproduce/open-executor';
import { REPRODUCE_MODEL_NAMES, epochWork, plannedDataDir, type ReproduceModel } from '../reproduce/plan';
import { lockOut } from '../reproduce/pool';
import { formatDuration, progressReporter } from '../reproduce/progress';
import { lastLine, type CellTask } from '../reproduce/tasks';
import { trialCells, type TrialCell } from '../sweep/cells';
import { readSweepFile } from '../sweep/config-file';
import { OBJECTIVES, cellOutcome, maximizes, type Objective } from '../sweep/objective';
import { sweepReport } from '../sweep/report';
import { best, rankTrials, summarizeTrial } from '../sweep/results';
import { expandTrials } from '../sweep/sample';
import { groupCells, schedule, type SweepState } from '../sweep/schedule';
import { describeParam, ignoredBy, parseParamFlag, type ParamSpace } from '../sweep/space';
import type { Io } from '../io';

export const SWEEP_OPTIONS = {
  config: { kind: 'string', help: 'a sweep file (.json, .yaml or .yml): "params" and optionally rules, models, seeds, trials, search-seed, objective, halving, epochs, limit; options on the command line win (docs/sweep.md)' },
  param: { kind: 'string', multiple: true, help: 'NAME=VALUES: an fbl train option to sweep and its values: a list (lr=0.01,0.03,0.1: a grid), or a range for --trials (lr=log:0.001:0.1, uniform:MIN:MAX, log-int:MIN:MAX, uniform-int:MIN:MAX)' },
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: 'comma-separated rules; every trial runs with each' },
  models: { kind: 'string', default: 'mnist-fc', help: `comma-separated models (${REPRODUCE_MODEL_NAMES.join(', ')}; cifar-conv needs --data-dir)` },
  seeds: { kind: 'string', default: '1', help: 'comma-separated seeds: every trial is repeated with each (the objective is the mean over them)' },
  trials: { kind: 'int', min: 1, help: 'a random search of N trials (default: the full grid of the listed values)' },
  'search-seed': { kind: 'int', default: 1, min: 0, max: SEED_MAX, help: 'seed of the random search: the same seed draws the same trials' },
  objective: { kind: 'string', choices: OBJECTIVES, default: 'final-acc', help: 'rank trials by test accuracy after the last epoch, the best epoch\'s, or the last epoch\'s training loss' },
  halving: { kind: 'int', min: 2, help: 'successive halving with this ETA: train every trial for epochs/ETA^k, keep the best 1/ETA of each model × rule, continue those, and so on (default: off)' },
  epochs: { kind: 'int', min: 1, help: 'epochs per trial (default: each preset\'s, see fbl presets)' },
  limit: { kind: 'int', min: 1, help: 'train on the first N training samples only (default: all)' },
  'data-dir': { kind: 'string', help: 'CIFAR-10 binary batches, for cifar-conv' },
  out: { kind: 'string', default: 'fbl-sweep', help: 'results, logs and checkpoints; rerun with the same --out to continue' },
  workers: { kind: 'int', min: 1, help: 'cells trained at once, one process each (default: the number of cores)' },
  'checkpoint-every': { kind: 'int', default: 200, min: 1, help: 'steps between a cell\'s checkpoints (and at every epoch end)' },
  'retry-failed': { kind: 'boolean', help: 'also rerun trials whose last run diverged; by default a rerun leaves them as they are (it retries those that failed on an error, such as missing data or a full disk)' },
  'report-only': { kind: 'boolean', help: 'train nothing: rebuild results.md, results.json and the plots from the cells\' logs' },
  json: { kind: 'boolean', help: 'print progress and the result as JSON lines on stdout' },
  ...EXECUTOR_OPTIONS,
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl sweep (--param NAME=VALUES ... | --config sweep.yaml) [--trials N] [--rules R,..] [--models M,..] [--seeds 1,2] [--halving ETA] [--out DIR]

Searches over fbl train options: every trial (a grid point, or a random draw with --trials) is
trained on every model × rule × seed, each a checkpointed cell as in fbl reproduce, starting
from each preset's hyperparameters. Writes OUT/results.md, OUT/results.json (trials ranked by
--objective, the best per rule and model) and one SVG per swept option. A rerun skips finished
trials and resumes interrupted ones. Example:
  fbl sweep --rules bp,dfa --param lr=log:0.001:0.3 --param feedback-scale=log:0.05:0.5 --trials 20 --seeds 1,2 --limit 10000`;

/** The items of a comma-separated option, each read by `parse` (which throws on a bad one). */
function items<T>(text: string, what: string, parse: (s: string) => T): T[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new UsageError(`--${what} must list at least one value`);
  return parts.map(parse);
}

const choice = (what: string, known: readonly string[]) => (s: string) => {
  if (!known.includes(s)) throw new UsageError(`--${what}: unknown ${what.slice(0, -1)} "${s}" (expected ${known.join(', ')})`);
  return s;
};

/** The options of the command line over those of the sweep file, and the parameters of both (--param wins). */
function readOptions(argv: readonly string[]) {
  const cli = parseOptions(argv, SWEEP_OPTIONS);
  const file = cli.config && !cli.help ? readSweepFile(cli.config) : undefined;
  if (file) {
    try {
      parseOptions(file.argv, SWEEP_OPTIONS);
    } catch (err) {
      throw err instanceof UsageError ? new UsageError(`${cli.config}: ${err.message}`) : err;
    }
  }
  const o = file ? parseOptions([...file.argv, ...argv], SWEEP_OPTIONS) : cli;
  const space = new Map<string, ParamSpace>((file?.params ?? []).map((p) => [p.name, p]));
  for (const text of o.param ?? []) {
    const p = parseParamFlag(text);
    space.set(p.name, p);
  }
  return { o, space: [...space.values()] };
}

/** `fbl sweep`: a hyperparameter search over fbl train options, × rules × models × seeds. */
export async function sweep(argv: readonly string[], io: Io): Promise<number> {
  const { o, space } = readOptions(argv);
  if (o.help) {
    io.out(formatHelp(USAGE, SWEEP_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (!space.length) throw new UsageError('nothing to sweep: give --param NAME=VALUES (e.g. --param lr=0.01,0.1) or --config FILE with "params"');
  const rules = items(o.rules!, 'rules', choice('rules', RULE_NAMES));
  const models = items(o.models!, 'models', choice('models', REPRODUCE_MODEL_NAMES)) as ReproduceModel[];
  const seeds = items(o.seeds!, 'seeds', (s) => parseSeed(s));
  const objective = o.objective as Objective;
  const trials = expandTrials(space, { trials: o.trials, searchSeed: o['search-seed']! });
  const dataDir = plannedDataDir(models, o['data-dir'], o.queue);
  const out = resolve(o.out!);
  const limits = o.limit !== undefined ? Object.fromEntries(models.map((m) => [m, o.limit!])) : undefined;
  // Every trial's config is checked here, before the first cell trains.
  const cells = trialCells({ out, models, rules, seeds, epochs: o.epochs, limits, dataDir }, trials);
  const groups = groupCells(cells, trials, o.halving);
  const workers = o.workers ?? availableParallelism();
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const t0 = Date.now();
  const release = lockOut(out, 'fbl sweep');
  const write = (line: string) => (o.json ? io.out(line + '\n') : io.err.write(line + '\n'));
  const say = (text: string, json: object) => write(o.json ? JSON.stringify(json) : text);
  let executor: Executor | undefined;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    say('fbl: interrupted; finished epochs and checkpoints are kept, rerun the same command to continue', { event: 'interrupted' });
    void executor?.destroy();
  };
  process.once('SIGINT', onSigint);
  try {
    cells.forEach(prepareCell);
    const attempted = new Set<string>();
    const key = (c: TrialCell) => `${c.id}@${c.epochs}`;
    const state = () => {
      const logs = new Map(cells.map((c) => [c.id, readCellLog(c.dir)]));
      return {
        logs, ...schedule(groups, {
          eta: o.halving, objective, outcome: (c, epochs) => cellOutcome(logs.get(c.id)!, epochs, objective),
          retry: (c, epochs) => !!o['retry-failed'] && !attempted.has(`${c.id}@${epochs}`),
        }),
      };
    };
    const todoOf = (s: SweepState & { logs: Map<string, CellLog> }) => s.cells.filter((c) => {
      const status = cellOutcome(s.logs.get(c.id)!, c.epochs, objective).status;
      return !attempted.has(key(c)) && (status === 'open' || (status !== 'done' && !!o['retry-failed']));
    }).sort((a, b) => b.epochs * epochWork(b.config) - a.epochs * epochWork(a.config));
    let s = state();
    const failedBefore = s.runs.flatMap((r) => r.seeds.filter((x) => x.outcome.status === 'diverged' || x.outcome.status === 'failed')).length;
    const finished = s.runs.flatMap((r) => r.seeds.filter((x) => x.outcome.status === 'done')).length;
    const skipped = o['retry-failed'] || !failedBefore ? '' : `, ${failedBefore} failed or diverged before and left as they are (--retry-failed reruns them)`;
    const search = o.trials ? `random search, ${trials.length} trials, search seed ${o['search-seed']}` : `grid of ${trials.length} trial(s)`;
    const halving = o.halving ? `; halving eta ${o.halving}, rungs at epochs ${[...new Set(groups.map((g) => g.rungs.join(',')))].join(' / ')}` : '';
    say(`sweep: ${models.join(', ')} × ${rules.join(', ')} × ${search} × seeds ${seeds.join(',')} = ${cells.length} cells (${finished} finished already${skipped}); ` +
      `objective ${objective}${halving}; ${o.queue ? 'on the queue' : `${workers} worker(s)`}; results in ${out}\n  ${space.map(describeParam).join('\n  ')}`,
    { event: 'plan', cells: cells.length, finished, failedBefore, trials: trials.length, models, rules, seeds, objective, halving: o.halving ?? null, space, workers, out });
    for (const rule of rules) {
      const ignored = ignoredBy(rule, space);
      if (ignored.length) say(`note: ${rule} ignores ${ignored.join(', ')}: its trials that differ only there train the same`, { event: 'note', rule, ignored });
    }
    const reported = new Set<string>();
    for (;;) {
      for (const d of s.decisions) {
        const id = `${d.model}/${d.rule}@${d.epochs}`;
        if (reported.has(id)) continue;
        reported.add(id);
        say(`halving ${d.model} ${d.rule} at epoch ${d.epochs}: ${d.kept.join(', ') || 'none'} go on; stopped ${d.stopped.join(', ') || 'none'}`, { event: 'halving', ...d });
      }
      const todo = todoOf(s);
      if (o['report-only'] || interrupted || !todo.length) break;
      executor ??= await openExecutor({ workers, queue: o.queue, store: o.store, out, say });
      const stopStatus = followStatus(executor, say);
      await runCells(todo, executor, { threads, checkpointEvery: o['checkpoint-every']!, json: !!o.json, write, interrupted: () => interrupted }).finally(stopStatus);
      for (const c of todo) attempted.add(key(c));
      s = state();
    }
    await executor?.destroy();
    executor = undefined;
    const ranked = rankTrials(s.runs.map(summarizeTrial), maximizes(objective));
    const meta = {
      search, models: models.join(', '), rules: rules.join(', '), seeds: seeds.join(','), epochs: o.epochs ?? 'each preset\'s', ...(o.limit ? { limit: o.limit } : {}),
      ...(o.halving ? { halving: `eta ${o.halving}` } : {}), backend: 'wasm', report: new Date().toISOString().slice(0, 16).replace('T', ' '),
    };
    const files = sweepReport({ ranked, space, objective, meta, cells: s.cells, logs: s.logs });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
    const count = (status: string) => ranked.filter((r) => r.status === status).length;
    const wall = (Date.now() - t0) / 1000;
    if (o.json) {
      io.out(JSON.stringify({ event: 'done', out, trials: ranked.length, finished: count('done'), stopped: count('stopped'), diverged: count('diverged'), failed: count('failed'), wallSeconds: Math.round(wall), best: best(ranked, 'rule') }) + '\n');
    } else {
      const md = files['results.md']!;
      io.out(md.slice(md.indexOf('## Best configuration per rule'), md.indexOf('## Best configuration per model')));
      io.out(`${count('done')}/${ranked.length} trials finished (${count('stopped')} stopped by halving, ${count('diverged')} diverged) in ${formatDuration(wall)}; wrote ${Object.keys(files).map((f) => join(out, f)).join(', ')}\n`);
    }
    if (interrupted) return 130;
    const open = count('failed') + count('unfinished');
    if (open && !o.json) io.err.write(`fbl: ${open} of ${ranked.length} trials failed or did not finish; see the ranking in ${join(out, 'results.md')}\n`);
    return open ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await executor?.destroy();
    release();
  }
}

interface RunOptions {
  threads: number;
  checkpointEvery: number;
  json: boolean;
  write: (line: string) => void;
  interrupted: () => boolean;
}

/** Trains cells through the executor, reporting epochs as fbl reproduce does (each line naming its trial's cell). */
async function runCells(todo: readonly TrialCell[], executor: Executor, o: RunOptions): Promise<void> {
  // progressReporter labels a cell "cell i/N model rule s<seed>": name the cell, so the trial shows.
  const relabel = (line: string) => line.replace(/^cell (\d+)\/(\d+) \S+ \S+ s\d+/, (m, i: string, n: string) => (todo[Number(i) - 1] ? `cell ${i}/${n} ${todo[Number(i) - 1]!.id}` : m));
  const progress = progressReporter({ cells: todo, workers: () => executor.slots(), json: o.json, write: (line) => o.write(o.json ? line : relabel(line)) });
  const timer = setInterval(() => progress.poll(), 1000);
  try {
    await Promise.all(todo.map((cell) => {
      const task: CellTask = { kind: 'cell', id: cell.id, dir: cell.dir, config: cell.config, epochs: cell.epochs, checkpointEvery: o.checkpointEvery, threads: o.threads };
      return executor.run(task).then((r) => {
        progress.poll();
        if (r.code !== 0 && !o.interrupted()) progress.failed(cell, lastLine(r.err));
      });
    }));
  } finally {
    clearInterval(timer);
  }
}
