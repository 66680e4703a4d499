import { productsInUse, selectBackend } from '@feedback-lab/core';
import { fitMemoryCoefficients, measureFitCase, memoryFitCases, memoryFitErrors, type FitRow } from '@feedback-lab/bench';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import type { Io } from '../io';

export const MEMORY_FIT_OPTIONS = {
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: `comma-separated rules (${RULE_NAMES.join(', ')})` },
  cases: { kind: 'string', help: 'only the fit cases whose name contains this text (e.g. conv)' },
  json: { kind: 'boolean', help: 'print one JSON object per rule' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const pct = (e: number) => `${e >= 0 ? '+' : ''}${(100 * e).toFixed(1)} %`;

/**
 * `fbl bench memory-fit`: profiles one step of each rule on the memory model's fit set (wasm,
 * distinct buffer bytes), prints each rule's worst under- and over-prediction with the step that
 * gave it, and refits its six coefficients (a block rule's batch-norm slopes too). Rerun after
 * any change to what a step keeps, and copy the coefficients into the rule's descriptor; with
 * FBL_WASM_GEMM=0 it measures and refits the ones for XNNPACK's products (`memory.xnnpack`).
 */
export async function benchMemoryFit(rest: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(rest, MEMORY_FIT_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl bench memory-fit [options]', MEMORY_FIT_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const names = o.rules!.split(',').map((s) => s.trim());
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`--rules: unknown rule "${n}" (expected ${RULE_NAMES.join(', ')})`);
  const cases = memoryFitCases().filter((c) => !o.cases || c.name.includes(o.cases));
  if (!cases.length) throw new UsageError(`--cases: no fit case name contains "${o.cases}"`);
  await selectBackend('wasm', { threads: '1' });
  // wasm-gemm's products, or XNNPACK's (FBL_WASM_GEMM=0): each has its own coefficients
  const products = productsInUse();
  if (!o.json) io.out(`memory fit: ${cases.length} steps per rule (wasm, ${products}'s products, momentum, distinct buffer bytes)\n`);
  for (const name of names) {
    const rule = ruleByName(name);
    const memory = products === 'xnnpack' && rule.memory.xnnpack ? { ...rule.memory, ...rule.memory.xnnpack } : rule.memory;
    const create = await rule.load();
    const rows: FitRow[] = [];
    for (const c of cases) rows.push({ ...c, measured: await measureFitCase(create, c) });
    const now = memoryFitErrors(memory, rows);
    const fit = fitMemoryCoefficients(memory, rows, RULE_NAMES.map((n) => ruleByName(n).memory.coefficients));
    const row = (w: { error: number; row: number }) => (w.row < 0 ? 'none' : `${pct(w.error)} (${rows[w.row]!.name} b${rows[w.row]!.batch})`);
    if (o.json) {
      io.out(JSON.stringify({ event: 'memory-fit', rule: name, products, coefficients: memory.coefficients, batchNorm: memory.batchNorm, worst: now.worst,
        worstUnder: now.under.error, worstOver: now.over.error, fitted: fit.coefficients, fittedBatchNorm: fit.batchNorm, fittedWorst: fit.worst,
        rows: rows.map((r, i) => ({ name: r.name, batch: r.batch, measured: r.measured, error: now.errors[i], fittedError: fit.errors[i] })) }) + '\n');
      continue;
    }
    io.out(`${name.padEnd(14)} shipped: worst under ${row(now.under)}, worst over ${row(now.over)}\n`);
    const bn = memory.schedule === 'block' ? `, batch norm k ${fit.batchNorm.dense[0]} dense, ${fit.batchNorm.conv[0]} conv` : '';
    io.out(`${''.padEnd(14)} refitted [${fit.coefficients.join(', ')}]${bn}: worst ${pct(fit.worst)}\n`);
  }
  return 0;
}
