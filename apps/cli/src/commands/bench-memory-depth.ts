import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, describeBackend, selectBackend, type BackendName } from '@feedback-lab/core';
import { markdownReport, memoryDepth, summarize, svgChart } from '@feedback-lab/bench';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import type { Io } from '../io';

export const MEMORY_DEPTH_OPTIONS = {
  rules: { kind: 'string', default: 'bp,fa,dfa,mem-dfa', help: `comma-separated rules (${RULE_NAMES.join(', ')})` },
  width: { kind: 'int', default: 256, min: 1, help: 'units per hidden block (and input width)' },
  depths: { kind: 'string', default: '1,2,5,10,20,50,100', help: 'comma-separated numbers of hidden blocks' },
  'batch-size': { kind: 'int', default: 128, min: 1, help: 'samples per step' },
  steps: { kind: 'int', default: 5, min: 1, help: 'timed steps per measurement (median reported)' },
  seed: { kind: 'int', default: 1, min: 0, help: 'seed for weights, data and feedback' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
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
  const names = o.rules!.split(',').map((s) => s.trim());
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`--rules: unknown rule "${n}" (expected ${RULE_NAMES.join(', ')})`);
  const depths = o.depths!.split(',').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
  if (depths.some((d) => !(d >= 1))) throw new UsageError(`--depths must be positive integers joined by ',', got "${o.depths}"`);
  const backend = await selectBackend(o.backend as BackendName);
  const meta = { backend: describeBackend(backend), width: o.width!, 'batch size': o['batch-size']!, optimizer: 'momentum 0.9', activation: 'tanh', date: new Date().toISOString() };
  if (!o.json) io.out(`memory vs depth: rules ${names.join(', ')}, width ${o.width}, depths ${depths.join(', ')}, batch ${o['batch-size']}, backend ${meta.backend}\n`);
  const rows = await memoryDepth({
    rules: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await ruleByName(n).load()] as const))),
    width: o.width!, depths, batchSize: o['batch-size']!, timedSteps: o.steps, seed: o.seed,
    onRow: (r) => io.out(o.json ? JSON.stringify({ ...r, backend: backend.name }) + '\n'
      : `  ${r.rule.padEnd(8)} depth ${String(r.depth).padStart(3)}  peak transient ${(r.peakTransientBytes / 2 ** 20).toFixed(2)} MiB ` +
        `(predicted ${r.predictedPeakTransientBytes === null ? 'n/a' : (r.predictedPeakTransientBytes / 2 ** 20).toFixed(2)})  resident ${(r.residentBytes / 2 ** 20).toFixed(2)} MiB  step ${r.stepMs.toFixed(1)} ms\n`),
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
