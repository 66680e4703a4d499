import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// docs/writing-a-rule.md's ```ts examples are type-checked as files of a rule package: the rule
// as readout-only.ts (which §4's test imports), the descriptor as descriptor.ts, beside a
// declared my-rule.ts with the options and factory §6 names. Blocks fenced ```ts excerpt (the
// contract, the two catalog lines) are left out.
const ROOT = resolve(import.meta.dirname, '../../..');
const fixture = mkdtempSync(join(tmpdir(), 'fbl-doc-examples-'));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

const MY_RULE = `import type { LearningRule } from '@feedback-lab/core';
import type { FeedbackOptions } from '@feedback-lab/feedback';
export interface MyRuleOptions extends FeedbackOptions { decay?: number }
export declare function myRuleFactory(o?: MyRuleOptions): LearningRule;
`;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A file name for an example: the descriptor, the function it exports, or else a test. */
function fileOf(code: string, i: number): string {
  if (/export const \w+: RuleDescriptor/.test(code)) return 'descriptor.ts';
  const fn = /export function (\w+)/.exec(code);
  return fn ? `${kebab(fn[1]!)}.ts` : `example-${i}.test.ts`;
}

it('type-checks the ```ts examples of docs/writing-a-rule.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/writing-a-rule.md'), 'utf8');
  const modules = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  expect(modules.length).toBeGreaterThanOrEqual(3);
  const src = join(fixture, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'my-rule.ts'), MY_RULE);
  const files = modules.map((code, i) => {
    writeFileSync(join(src, fileOf(code, i)), code);
    return fileOf(code, i);
  });
  expect(files).toEqual(expect.arrayContaining(['readout-only.ts', 'descriptor.ts']));
  writeFileSync(join(fixture, 'tsconfig.json'), JSON.stringify({ extends: join(ROOT, 'tooling/tsconfig/base.json'), include: ['src'] }));
  // the catalog's dependencies (core, feedback, test-utils, tfjs-core), and the root's (@types/node)
  symlinkSync(join(ROOT, 'packages/rules/node_modules'), join(fixture, 'node_modules'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit', '--typeRoots', join(ROOT, 'node_modules/@types')], { cwd: fixture, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 120_000);
