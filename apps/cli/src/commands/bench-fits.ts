import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fitsGrid, fitsMarkdown, fitsSvg, type FitsCell, type LongModel } from '@feedback-lab/bench';
import { DEFAULT_MEMORY_BUDGET_BYTES, WASM32_LIMIT_BYTES } from '@feedback-lab/profiler';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import type { Io } from '../io';
import { prepareOutputDir } from '../fs-errors';

export const FITS_OPTIONS = {
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: `comma-separated rules (${RULE_NAMES.join(', ')})` },
  models: { kind: 'string', default: 'long-fc,long-conv', help: 'long-fc, long-conv or both' },
  depths: { kind: 'string', default: '10,30,100,300', help: 'comma-separated numbers of blocks' },
  'limit-mb': { kind: 'number', default: WASM32_LIMIT_BYTES / 2 ** 20, min: 1, help: 'MiB a run may use (default the wasm32 heap, 4 GiB)' },
  'measure-limit-mb': { kind: 'number', default: DEFAULT_MEMORY_BUDGET_BYTES / 2 ** 20, min: 1, help: 'MiB of the measured runs (default fbl train\'s budget: at 4 GiB of tensors the wasm heap aborts)' },
  'measure-gflop': { kind: 'number', default: 0, min: 0, help: 'measure the cells whose step is at most this many GFLOP (one profiled step each, a fresh process); 0: predict only' },
  'measure-rules': { kind: 'string', help: 'only measure these rules (comma-separated; default every rule in --rules)' },
  'measure-rate': { kind: 'number', default: 2.5, min: 0.01, help: 'GFLOP/s of a profiled step, to estimate what is not measured (2.5: bp on long-fc, 1 thread, a shared 2-core machine)' },
  out: { kind: 'string', help: 'directory for fits.md, fits.svg and fits.json' },
  json: { kind: 'boolean', help: 'print one JSON object per cell' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const CLI_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** `fbl profile` of one cell in a child process: a fresh wasm heap, and a crash there is that cell's alone. */
async function profileCell(c: FitsCell): Promise<NonNullable<FitsCell['measured']>> {
  const args = ['--conditions=@feedback-lab/source', '--import', 'tsx', join(CLI_DIR, 'src', 'bin.ts'),
    'profile', '--rule', c.rule, '--preset', `${c.model}-${c.depth}`, '--batch-size', String(c.measureBatch), '--threads', '1', '--json'];
  const t = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: CLI_DIR, maxBuffer: 1 << 24 });
  const p = JSON.parse(stdout.trim().split('\n').pop()!) as { wasmHeapBytes?: number; peakBytes: number };
  return { peakBytes: p.peakBytes, ...(p.wasmHeapBytes === undefined ? {} : { wasmHeapBytes: p.wasmHeapBytes }), seconds: (performance.now() - t) / 1000 };
}

/**
 * `fbl bench fits`: where each rule stops fitting. The largest batch each rule fits under the
 * limit on long-fc and long-conv at each depth, from the memory model, and one profiled step at
 * that batch for the cells cheap enough to run (`--measure-gflop`), measured against predicted.
 */
export async function benchFits(rest: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(rest, FITS_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl bench fits [options]', FITS_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (o.out) prepareOutputDir(o.out, '--out');
  const names = o.rules!.split(',').map((s) => s.trim());
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`--rules: unknown rule "${n}" (expected ${RULE_NAMES.join(', ')})`);
  const models = o.models!.split(',').map((s) => s.trim());
  for (const m of models) if (m !== 'long-fc' && m !== 'long-conv') throw new UsageError(`--models: expected long-fc or long-conv, got "${m}"`);
  const depths = o.depths!.split(',').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
  if (depths.some((d) => !(d >= 1 && d <= 1000))) throw new UsageError(`--depths must be integers 1 to 1000 joined by ',', got "${o.depths}"`);
  const measureRules = o['measure-rules']?.split(',').map((s) => s.trim()) ?? names;
  for (const n of measureRules) if (!names.includes(n)) throw new UsageError(`--measure-rules: "${n}" is not among --rules (${names.join(', ')})`);
  const limit = o['limit-mb']! * 2 ** 20;
  const measureLimit = o['measure-limit-mb']! * 2 ** 20;
  const cells = fitsGrid({ models: models as LongModel[], depths, rules: names.map(ruleByName), limitBytes: limit, measureLimitBytes: measureLimit });
  const budget = o['measure-gflop']! * 1e9;
  const rate = o['measure-rate']! * 1e9;
  for (const c of cells) {
    const seconds = (2 * c.stepFlops) / rate; // the profiled step and its warm-up
    if (c.measureBatch === 0) c.note = 'not even one sample fits';
    else if (!measureRules.includes(c.rule)) c.note = 'not measured: --measure-rules';
    else if (c.stepFlops > budget) c.note = `one step is ${(c.stepFlops / 1e12).toFixed(2)} TFLOP: about ${seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`} profiled (with its warm-up) at ${o['measure-rate']} GFLOP/s, over --measure-gflop ${o['measure-gflop']}`;
    else {
      try {
        c.measured = await profileCell(c);
      } catch (err) {
        c.note = `measurement failed: ${String((err as Error).message).split('\n').find((l) => /error|abort|memory/i.test(l)) ?? 'child process failed'}`;
      }
    }
    io.out(o.json ? JSON.stringify({ event: 'fits', ...c }) + '\n'
      : `${c.model}-${c.depth} ${c.rule.padEnd(13)} batch ${String(c.batch).padStart(7)} (${String(c.measureBatch).padStart(7)} within the measuring limit, predicted ${(c.predictedPeakBytes / 2 ** 20).toFixed(0)} MiB)` +
        `${c.measured ? `  measured ${(c.measured.peakBytes / 2 ** 20).toFixed(0)} MiB (${c.measured.seconds.toFixed(0)} s)` : ''}${c.note ? `  (${c.note})` : ''}\n`);
  }
  const meta = {
    'limit': `${(limit / 2 ** 20).toFixed(0)} MiB (predicted peak: resident + transient)`,
    'measured at': `the largest batch within ${(measureLimit / 2 ** 20).toFixed(0)} MiB predicted (wasm, 1 thread, one profiled step after a warm-up; distinct tensor buffers)`,
    'models': 'long-fc (784 in) and long-conv (28×28×1 in), 10 classes, momentum, feedback stored',
    'products': process.env.FBL_WASM_GEMM === '0' ? "XNNPACK's (FBL_WASM_GEMM=0: the browser's; the memory formulas are fitted on them)" : "wasm-gemm's (Node's default: no transposes, so measured ≤ XNNPACK's)",
    'command': `${process.env.FBL_WASM_GEMM === '0' ? 'FBL_WASM_GEMM=0 ' : ''}fbl bench fits ${rest.join(' ')}`.trim(),
    'date': new Date().toISOString(),
  };
  const md = fitsMarkdown(cells, meta);
  if (!o.json) io.out('\n' + md);
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'fits.json'), JSON.stringify({ meta, cells }, null, 2) + '\n');
    writeFileSync(join(o.out, 'fits.md'), md);
    writeFileSync(join(o.out, 'fits.svg'), fitsSvg(cells, `Largest batch under ${(limit / 2 ** 30).toFixed(1)} GiB per rule (fc: long-fc, conv: long-conv)`));
    if (!o.json) io.out(`wrote ${join(o.out, 'fits.{json,md,svg}')}\n`);
  }
  return 0;
}
