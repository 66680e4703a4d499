#!/usr/bin/env node
// `pnpm new-rule NAME [--root DIR] [--no-install]`: scaffolds packages/rule-NAME, a rule that
// passes lint, typecheck and the conformance suite as written (backprop on the feedback tape,
// with the feedback marked where you change it), adds it to the catalog
// (packages/rules/src/catalog.ts and packages/rules/package.json), regenerates the turbo inputs
// and runs `pnpm install`. A bad NAME is refused in one line, before anything is written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const RESERVED = new Set([
  // JavaScript reserved words: the factory is named after the rule
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default',
  'delete', 'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function',
  'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package',
  'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true',
  'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  // names the generated files import, and words the CLI and catalog use for rules in general
  'tf', 'all', 'rule', 'rules', 'none',
]);

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (name) => camel(name).replace(/^./, (c) => c.toUpperCase());

/** The rule names already taken under `root`: rule package directories and descriptor names. */
function takenNames(root) {
  const packages = join(root, 'packages');
  return new Set(readdirSync(packages).filter((d) => d.startsWith('rule-')).flatMap((d) => {
    const descriptor = join(packages, d, 'src/descriptor.ts');
    const named = existsSync(descriptor) ? [...readFileSync(descriptor, 'utf8').matchAll(/^\s*name: '([^']+)'/gm)].map((m) => m[1]) : [];
    return [d.slice('rule-'.length), ...named];
  }));
}

/** Why `name` cannot be a new rule under `root`, or undefined when it can. */
export function refusal(name, root) {
  if (!name) return 'usage: pnpm new-rule NAME (kebab-case, e.g. my-rule)';
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) return `new-rule: "${name}" is not kebab-case (lower-case letters and digits, words joined by single hyphens, starting with a letter, e.g. my-rule)`;
  if (RESERVED.has(name) || RESERVED.has(camel(name))) return `new-rule: "${name}" is reserved; pick another name`;
  if (takenNames(root).has(name)) return `new-rule: a rule named "${name}" exists already (packages/rule-${name} or a descriptor); pick another name`;
  return undefined;
}

/** The new package's files, by path relative to packages/rule-NAME. */
export function packageFiles(name, root) {
  const f = camel(name);
  const template = JSON.parse(readFileSync(join(root, 'packages/rule-bp/package.json'), 'utf8'));
  const manifest = {
    ...template,
    name: `@feedback-lab/rule-${name}`,
    version: '0.1.0',
    description: `${name}, a feedback-lab LearningRule.`,
    dependencies: { '@feedback-lab/core': 'workspace:*' },
    devDependencies: { '@feedback-lab/test-utils': 'workspace:*', '@feedback-lab/tooling': 'workspace:*', '@tensorflow/tfjs-core': template.devDependencies['@tensorflow/tfjs-core'], tsup: template.devDependencies.tsup },
  };
  return {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'tsconfig.json': readFileSync(join(root, 'packages/rule-bp/tsconfig.json'), 'utf8'),
    'vitest.config.ts': readFileSync(join(root, 'packages/rule-bp/vitest.config.ts'), 'utf8'),
    'src/index.ts': `export { ${f}, type ${pascal(name)}Options } from './${name}';\nexport { ${f}Rule } from './descriptor';\n`,
    [`src/${name}.ts`]: `import * as tf from '@tensorflow/tfjs-core';
import { FblError, canUseFeedbackTape, gradsWithFeedback, type Batch, type BlockUpdate, type FeedbackWeight, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';

/** Options of ${f}: add yours here and declare each in the descriptor's \`options\`. */
export type ${pascal(name)}Options = Record<string, never>;

/**
 * The weight the error travels back through in place of W (a kernel; biases carry no error
 * back). CHANGE THIS: it returns W itself, so as scaffolded the rule is backprop. Return a
 * tensor you keep, or a function making one, called when the backward pass reaches the block
 * and freed right after it, e.g. \`() => tf.sign(w)\` for sign feedback.
 */
function feedback(w: tf.Variable): FeedbackWeight {
  return w;
}

/**
 * ${name}: the error travels backwards like backprop's, through {@link feedback} in place of
 * each forward weight, on one tape (core's \`gradsWithFeedback\`). Nothing is stored between steps.
 *
 * @example
 * const loss = await runStep(${f}(), model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function ${f}(_opts: ${pascal(name)}Options = {}): LearningRule {
  return {
    name: '${name}',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      if (!canUseFeedbackTape(model.blocks)) {
        const block = model.blocks.find((b) => !b.applyWithFeedback)!;
        throw new FblError('INVALID_OPTION', \`${name}: block "\${block.name}" cannot carry feedback on a tape (no applyWithFeedback)\`);
      }
      const { grads, loss } = gradsWithFeedback(model, batch, ctx, (b) => b.params.map((w) => (w.rank < 2 ? w : feedback(w))));
      ctx.mark?.('update');
      yield { block: 'all', grads };
      return loss;
    },
    residentBytes: () => 0,
    dispose() {},
  };
}
`,
    'src/descriptor.ts': `import type { RuleDescriptor } from '@feedback-lab/core';
import type { ${pascal(name)}Options } from './${name}';

/** ${name} for the rule catalog (see docs/writing-a-rule.md §6). */
export const ${f}Rule: RuleDescriptor<${pascal(name)}Options> = {
  name: '${name}',
  label: '${name}',
  options: {},
  memory: {
    schedule: 'tape',
    feedback: 'none',
    // BP's; refit with \`pnpm fbl bench memory-fit --rules ${name}\`
    coefficients: [1.223, 3.011, 12.698, 1.367, 0.081, 1.497],
    batchNorm: { dense: [7.107, -2.33], conv: [6.003, -1.824] },
  },
  // As BP: forward, ∂W per layer, ∂x through the feedback for every layer but the first.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./${name}')).${f},
};
`,
    'src/conformance.test.ts': `import { describeRuleConformance } from '@feedback-lab/test-utils';
import { ${f} } from './${name}';

describeRuleConformance('${name}', { create: () => ${f}() });
describeRuleConformance('${name} on cpu', { create: () => ${f}(), backend: 'cpu' });
`,
    [`src/${name}.test.ts`]: `import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp, peekUpdates, softmaxCrossEntropy } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, randomBatch, useBackend } from '@feedback-lab/test-utils';
import { ${f} } from './${name}';

// The oracle: a case where the rule must equal something known. As scaffolded (feedback = W)
// that is backprop's gradient; once you change the feedback, compare with a hand-computed step.
describe.each(NODE_BACKENDS)('rule-${name} on %s', (backend) => {
  it('gives backprop\\'s gradient while the feedback is W', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [6, 8, 5, 3], activation: 'tanh', seed: 1 });
    const batch = randomBatch(7, 6, 3, 1);
    const params = model.blocks.flatMap((b) => b.params);
    const before = tf.memory().numTensors;
    const expected = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(batch.x), batch.y), params);
    const got = peekUpdates(${f}(), model, batch, { loss: softmaxCrossEntropy, step: 0 });
    for (const p of params) expect(maxAbsDiff(got.grads[p.name]!, expected.grads[p.name]!)).toBeLessThan(1e-6);
    tf.dispose([expected.value, got.loss, ...Object.values(expected.grads), ...Object.values(got.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  });
});
`,
    'README.md': `# @feedback-lab/rule-${name}

${name}, a feedback-lab \`LearningRule\`: describe the rule and cite its paper here.

## Install

\`\`\`sh
npm install @feedback-lab/rule-${name} @feedback-lab/core @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm
\`\`\`

ESM only, Node ≥ 20 or a bundler. \`@tensorflow/tfjs-core\` (any 4.x from 4.22) is a peer
dependency; install a backend beside it (\`@tensorflow/tfjs-backend-wasm\` in Node, see
[core](../core/README.md#backends)).

## Example

\`\`\`js
import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, mlp, runStep, selectBackend, softmaxCrossEntropy } from '@feedback-lab/core';
import { ${f} } from '@feedback-lab/rule-${name}';

const rule = ${f}();
await selectBackend('wasm');
const model = mlp({ arch: [4, 16, 16, 3], activation: 'tanh', seed: 1 });
const x = tf.randomUniform([8, 4]);
const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3), 'float32');
const batch = { x, y, labels: new Uint8Array([0, 1, 2, 0, 1, 2, 0, 1]), size: 8 };
const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
for (let step = 0; step < 5; step++) {
  console.log(await runStep(rule, model, batch, opt, { loss: softmaxCrossEntropy, step }));
}
rule.dispose();
opt.dispose();
model.dispose();
\`\`\`
`,
  };
}

/** catalog.ts with the rule's import after the last rule import and its entry last in RULES. */
export function addToCatalog(text, name) {
  const imp = `import { ${camel(name)}Rule } from '@feedback-lab/rule-${name}';\n`;
  const imports = [...text.matchAll(/^import \{ \w+ \} from '@feedback-lab\/rule-[^']+';\n/gm)];
  const rules = text.indexOf('export const RULES');
  const end = text.indexOf('\n];', rules);
  if (!imports.length || rules < 0 || end < 0) throw new Error('new-rule: packages/rules/src/catalog.ts has no rule imports or RULES list to extend; add the import and entry by hand');
  const last = imports.at(-1);
  const at = last.index + last[0].length;
  const withEntry = `${text.slice(0, end)}\n  entry(${camel(name)}Rule),${text.slice(end)}`;
  return withEntry.slice(0, at) + imp + withEntry.slice(at);
}

/** Writes the package and the catalog edits under `root`; returns the package directory. */
export function scaffold(name, root) {
  const dir = join(root, 'packages', `rule-${name}`);
  const catalog = join(root, 'packages/rules/src/catalog.ts');
  const catalogText = addToCatalog(readFileSync(catalog, 'utf8'), name);
  for (const [path, text] of Object.entries(packageFiles(name, root))) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(catalog, catalogText);
  const manifestPath = join(root, 'packages/rules/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.dependencies = { ...manifest.dependencies, [`@feedback-lab/rule-${name}`]: 'workspace:*' };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function main(argv) {
  const rootAt = argv.indexOf('--root');
  const root = resolve(rootAt >= 0 ? argv[rootAt + 1] ?? '' : join(import.meta.dirname, '../..'));
  const name = argv.filter((a, i) => !a.startsWith('--') && (rootAt < 0 || i !== rootAt + 1))[0];
  const why = refusal(name, root);
  if (why) {
    console.error(why);
    process.exit(2);
  }
  scaffold(name, root);
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  run(process.execPath, [join(root, 'tooling/scripts/turbo-inputs.mjs')]);
  if (!argv.includes('--no-install')) run('sh', [join(root, 'tooling/scripts/pnpm.sh'), 'install']);
  console.log(`Created packages/rule-${name} (@feedback-lab/rule-${name}), in the catalog as --rule ${name}. Next:
  1. Change the feedback in packages/rule-${name}/src/${name}.ts (feedback()), its options and the descriptor's.
  2. Replace the oracle in src/${name}.test.ts with a case your rule must match; describe the rule in README.md.
  3. cd packages/rule-${name} && npx tsc -p tsconfig.json --noEmit && node ../../tooling/scripts/lint.mjs && npx vitest run
  4. Refit the memory formula: pnpm fbl bench memory-fit --rules ${name}. Guide: docs/writing-a-rule.md`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
