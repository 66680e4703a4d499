import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BACKENDS, describeBackend, selectBackend, type BackendName, type ModelSpec } from '@feedback-lab/core';
import { markdownReport, memoryDepth, summarize, svgChart, type DepthModelKind, type FreshMeasure } from '@feedback-lab/bench';
import { SEED_MAX, UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import type { Io } from '../io';
import { THREADS_OPTION, noteBackend, threadsFor } from '../threads';
import { prepareOutputDir } from '../fs-errors';

export const MEMORY_DEPTH_OPTIONS = {
  rules: { kind: 'string', default: 'bp,fa,dfa,mem-dfa', help: `comma-separated rules (${RULE_NAMES.join(', ')})` },
  net: { kind: 'string', choices: ['mlp', 'conv'], default: 'mlp', help: 'mlp: width → depth × width → 10 (tanh); conv: 16×16×width input, depth 3×3 same-padded tanh conv blocks of width filters, dense → 10' },
  width: { kind: 'int', default: 256, min: 1, help: 'units per hidden block and input width (conv: channels)' },
  depths: { kind: 'string', default: '1,2,5,10,20,50,100', help: 'comma-separated numbers of hidden blocks' },
  'batch-size': { kind: 'int', default: 128, min: 1, help: 'samples per step' },
  steps: { kind: 'int', default: 5, min: 1, help: 'timed steps per measurement (median reported)' },
  seed: { kind: 'int', default: 1, min: 0, max: SEED_MAX, help: 'seed for weights, data and feedback' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  ...THREADS_OPTION,
  'no-fresh': { kind: 'boolean', help: 'skip the fresh process per rule and depth that measures the wasm heap a user pays' },
  out: { kind: 'string', help: 'directory for memory-depth.json, memory-depth.md and memory-depth.svg' },
  json: { kind: 'boolean', help: 'print one JSON object per measurement, then a summary line' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

/** `fbl bench memory-depth`: peak transient memory and step time of each rule as the MLP gets deeper. */
export async function benchMemoryDepth(rest: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(rest, MEMORY_DEPTH_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl bench memory-depth [options]', MEMORY_DEPTH_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (o.out) prepareOutputDir(o.out, '--out'); // before the work, not after it
  const names = o.rules!.split(',').map((s) => s.trim());
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`--rules: unknown rule "${n}" (expected ${RULE_NAMES.join(', ')})`);
  const depths = o.depths!.split(',').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
  if (depths.some((d) => !(d >= 1))) throw new UsageError(`--depths must be positive integers joined by ',', got "${o.depths}"`);
  const backend = await selectBackend(o.backend as BackendName, { threads: threadsFor(o) });
  noteBackend(backend, io);
  const kind = o.net as DepthModelKind;
  const meta = { backend: describeBackend(backend), net: kind, width: o.width!, 'batch size': o['batch-size']!, optimizer: 'momentum 0.9', activation: 'tanh', date: new Date().toISOString() };
  if (!o.json) io.out(`memory vs depth: rules ${names.join(', ')}, width ${o.width}, depths ${depths.join(', ')}, batch ${o['batch-size']}, backend ${meta.backend}\n`);
  const rows = await memoryDepth({
    rules: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await ruleByName(n).load()] as const))),
    width: o.width!, depths, batchSize: o['batch-size']!, timedSteps: o.steps, seed: o.seed, kind,
    ...(o['no-fresh'] ? {} : { fresh: (rule: string, spec: ModelSpec, batch: number) => freshProfile(rule, spec, batch, backend.name, o.seed!) }),
    onRow: (r) => io.out(o.json ? JSON.stringify({ ...r, backend: backend.name }) + '\n'
      : `  ${r.rule.padEnd(8)} depth ${String(r.depth).padStart(3)}  peak transient ${(r.peakTransientBytes / 2 ** 20).toFixed(2)} MiB ` +
        `(predicted ${r.predictedPeakTransientBytes === null ? 'n/a' : (r.predictedPeakTransientBytes / 2 ** 20).toFixed(2)})  resident ${(r.residentBytes / 2 ** 20).toFixed(2)} MiB  step ${r.stepMs.toFixed(1)} ms` +
        `${r.heapBytes === undefined ? '' : `  heap (fresh process) ${(r.heapBytes / 2 ** 20).toFixed(1)} MiB`}\n`),
  });
  const summary = summarize(rows);
  const md = markdownReport(rows, summary, meta);
  if (o.json) io.out(JSON.stringify({ event: 'summary', ...summary, backend: backend.name }) + '\n');
  else io.out('\n' + md);
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'memory-depth.json'), JSON.stringify({ meta, rows, summary }, null, 2) + '\n');
    writeFileSync(join(o.out, 'memory-depth.md'), md);
    writeFileSync(join(o.out, 'memory-depth.svg'), svgChart(rows, `Peak transient memory vs depth (width ${o.width}, batch ${o['batch-size']})`));
    if (!o.json) io.out(`wrote ${join(o.out, 'memory-depth.{json,md,svg}')}\n`);
  }
  return 0;
}

const CLI_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/**
 * `fbl profile` of one rule on `spec` in a child process: its wasm heap is that run's alone,
 * where this process's heap is the high-water mark of everything measured before.
 */
async function freshProfile(rule: string, spec: ModelSpec, batchSize: number, backend: string, seed: number): Promise<FreshMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'fbl-memory-depth-'));
  try {
    const file = join(dir, 'model.json');
    writeFileSync(file, JSON.stringify(spec));
    const args = ['--conditions=@feedback-lab/source', '--import', 'tsx', join(CLI_DIR, 'src', 'bin.ts'),
      'profile', '--rule', rule, '--model', file, '--batch-size', String(batchSize), '--backend', backend, '--seed', String(seed), '--threads', '1', '--json'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: CLI_DIR, maxBuffer: 1 << 24 });
    const p = JSON.parse(stdout.trim().split('\n').pop()!) as { wasmHeapBytes?: number; peakBytes: number };
    return { ...(p.wasmHeapBytes !== undefined ? { heapBytes: p.wasmHeapBytes } : {}), peakBytes: p.peakBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
