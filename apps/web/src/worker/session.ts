import * as tf from '@tensorflow/tfjs-core';
import { CIFAR10_RECORD_BYTES, cifar10FromBatches, normalizationOf, type CifarBuffers } from '@feedback-lab/datasets';
import { buildModel, mlp, modelVariables, paramBytes, predict as inferLogits, softmaxCrossEntropy, type Dataset, type Model } from '@feedback-lab/core';
import { createOptimizer, createTrainer, evaluateModel } from '@feedback-lab/trainer';
import type { DatasetName, WebBackend } from '../presets';
import type { FromWorker, RunConfig, ToWorker } from '../protocol';
import { ruleByName } from '@feedback-lab/rules';
import { cifarBuffers, type PickedFile } from './cifar';
import { exportFiles } from '@feedback-lab/checkpoint';
import { describeSettings } from '../settings';
import { defaultsTable } from './defaults';
import { runSpec } from './specs';
import { phaseStepProfiler } from './step-profiler';
import { budgetRefusal, budgetReport } from './budget';
import { wasmHeapBytes } from '@feedback-lab/profiler';

/** What the session needs from its surroundings; the worker passes the real ones. */
export interface SessionDeps {
  post(m: FromWorker): void;
  loadDataset(name: DatasetName): Promise<Dataset>;
  useBackend(name: WebBackend): Promise<string>;
  /** Starts wasm with `threads` (the page's `?threads=`) and reports what can run. */
  probe(threads?: string | null, gemm?: string | null): Promise<Extract<FromWorker, { type: 'backends' }>>;
  /** Lets queued messages (pause, stop) in between steps; a macrotask, not a microtask. */
  yieldToLoop?(): Promise<void>;
}

/** Thrown from the batch callback to leave `fit()` early; the message is the end reason. */
class Stop extends Error {}
/** A run whose predicted peak does not fit the wasm heap; the message says why and what fits. */
class Refused extends Error {}

/**
 * The training side of the app: runs one or more rules one after the other on the same model
 * spec, streams loss, accuracy, speed and profiler records, and answers pause/stop/predict.
 * The last run's model is kept for the drawing pad until the next run starts.
 */
export function createSession(deps: SessionDeps) {
  const { post } = deps;
  const yieldToLoop = deps.yieldToLoop ?? macrotask;
  const datasets = new Map<DatasetName, Promise<Dataset>>();
  let cifar: CifarBuffers | undefined;
  /** CIFAR-10 built from the picked files, raw and standardised per channel (cifar-conv's default). */
  const cifarSets = new Map<boolean, Dataset>();
  let model: Model | undefined;
  /** The config `model` was built from and its data's shape and classes: export needs them. */
  let modelConfig: RunConfig | undefined;
  let modelDataShape: readonly number[] = [];
  let modelClasses = 10;
  /** The mean/std the model's inputs were standardised with (cifar-conv): the export builds it in. */
  let modelNormalization: ReturnType<typeof normalizationOf>;
  let running = false;
  let paused = false;
  let stopRequested = false;
  let wake: (() => void) | undefined;

  const dataset = (name: DatasetName) => {
    if (!datasets.has(name)) {
      post({ type: 'status', text: `loading ${name}…` });
      datasets.set(name, deps.loadDataset(name).catch((err: unknown) => {
        datasets.delete(name); // let a later run try again
        throw err;
      }));
    }
    return datasets.get(name)!;
  };

  async function gate(): Promise<void> {
    await yieldToLoop();
    while (paused && !stopRequested) await new Promise<void>((r) => (wake = r));
    if (stopRequested) throw new Stop('stopped');
  }

  async function runOne(id: number, c: RunConfig): Promise<'done' | 'stopped'> {
    const backend = await deps.useBackend(c.backend);
    // The model's input normalisation, as `fbl train` applies it (cifar-conv standardises).
    if (c.normalize && c.dataset !== 'cifar10') throw new Error(`input standardisation is offered for cifar10 only, not ${c.dataset}`);
    const data = c.dataset === 'cifar10' ? cifarDataset(c.normalize) : await dataset(c.dataset);
    model?.dispose();
    model = undefined;
    modelConfig = undefined;
    // On wasm a run past the heap corrupts memory instead of failing: refuse it before allocating.
    const refusal = tf.getBackend() === 'wasm' ? budgetRefusal(c, tf.memory().numBytes) : undefined;
    if (refusal) throw new Refused(refusal);
    // The activation field applies to MLPs; a preset carries its own per-layer activations.
    const m = c.preset
      ? buildModel(runSpec(c, data), { inputShape: data.inputShape, numClasses: data.numClasses, seed: c.seed })
      : mlp({ arch: c.arch, activation: c.activation, seed: c.seed });
    model = m;
    modelConfig = c;
    modelDataShape = data.inputShape;
    modelClasses = data.numClasses;
    modelNormalization = normalizationOf(data);
    // The page sends the rule's defaults for the model (`trainDefaults`, as `fbl train`) or the user's values.
    const rule = await ruleByName(c.rule).create({ seed: c.seed, feedback: c.feedback, 'feedback-scale': c.feedbackScale, 'feedback-conv': c.feedbackConv });
    const optimizer = createOptimizer({ name: c.optimizer, lr: c.lr, decaySteps: c.lrDecaySteps });
    const profiler = phaseStepProfiler({ every: c.profileEvery });
    let sent = 0;
    const evaluate = async (step: number) => {
      const r = await evaluateModel(m, data, softmaxCrossEntropy, { split: 'test', limit: c.evalLimit });
      post({ type: 'eval', id, step, testAccuracy: r.accuracy });
    };
    post({ type: 'runStart', run: { id, rule: c.rule, backend, arch: c.preset ?? c.arch.join('-'), paramBytes: paramBytes(m), settings: describeSettings(c) } });
    post({ type: 'status', text: `training ${c.rule} on ${backend}` });
    await evaluate(0);
    const trainer = createTrainer({
      model: m, rule, optimizer, dataset: data, seed: c.seed,
      callbacks: [profiler.callback, {
        onBatchEnd: async (e) => {
          post({ type: 'batch', id, step: e.step, loss: e.loss, samplesPerSec: e.samplesPerSec, heapBytes: wasmHeapBytes() });
          for (; sent < profiler.records.length; sent++) post({ type: 'memory', id, record: profiler.records[sent]! });
          const last = c.maxSteps > 0 && e.step >= c.maxSteps;
          if (e.step % c.evalEvery === 0 || last) await evaluate(e.step);
          if (last) throw new Stop('done');
          await gate();
        },
        onEpochEnd: (e) => post({ type: 'eval', id, step: e.step, testAccuracy: e.testAccuracy }),
      }],
    });
    try {
      await trainer.fit({ epochs: c.epochs, batchSize: c.batchSize, trainEvalLimit: c.evalLimit, testEvalLimit: c.evalLimit });
      return 'done';
    } catch (err) {
      if (err instanceof Stop) return err.message as 'done' | 'stopped';
      throw err;
    } finally {
      rule.dispose();
      optimizer.dispose();
    }
  }

  async function train(runs: { id: number; config: RunConfig }[]): Promise<void> {
    if (running) return post({ type: 'error', message: 'already training; stop first' });
    running = true;
    paused = false;
    stopRequested = false;
    try {
      for (const { id, config } of runs) {
        try {
          const reason = await runOne(id, config);
          post({ type: 'runEnd', id, reason });
          if (reason === 'stopped') break;
        } catch (err) {
          if (err instanceof Refused) {
            post({ type: 'refused', id, rule: config.rule, message: err.message });
            continue; // the next rule of a comparison may fit
          }
          const message = err instanceof Error ? err.message : String(err);
          post({ type: 'runEnd', id, reason: 'error', message });
          post({ type: 'error', message });
          break;
        }
      }
    } finally {
      running = false;
      post({ type: 'status', text: `idle · ${tf.getBackend()} · ${tf.memory().numTensors} tensors alive` });
      post({ type: 'idle' });
    }
  }

  function predict(pixels: Float32Array): void {
    const m = model;
    if (!m) return post({ type: 'error', message: 'train a model first, then draw a digit' });
    if (modelDataShape.reduce((a, b) => a * b, 1) !== pixels.length) {
      return post({ type: 'error', message: `the pad draws 28×28 images but the last model was trained on ${modelConfig?.dataset}; train on mnist or fashion-mnist to use it` });
    }
    const probs = tf.tidy(() => tf.softmax(inferLogits(m, tf.tensor2d(pixels, [1, pixels.length]))).dataSync()); // inference mode (batch norm)
    post({ type: 'prediction', probs: Array.from(probs) });
  }

  async function exportModel(): Promise<void> {
    const m = model;
    const c = modelConfig;
    if (!m || !c) return post({ type: 'error', message: 'train a model first, then download it' });
    const spec = runSpec(c, { inputShape: modelDataShape, numClasses: modelClasses });
    const name = `fbl_${c.rule}_${spec.name}`;
    // every variable in block order, batch-norm running statistics included
    const files = await exportFiles({ ...spec, name, ...(modelNormalization ? { inputNormalization: modelNormalization } : {}) }, modelDataShape, modelVariables(m), `feedback-lab web (TensorFlow.js ${tf.version_core})`);
    post({ type: 'modelFiles', name, modelJson: JSON.stringify(files.modelJson), weightsBin: files.weightsBin.slice().buffer });
  }

  function cifarDataset(normalize: boolean): Dataset {
    if (!cifar) throw new Error('cifar10: pick or drop the binary batch files (data_batch_*.bin, test_batch.bin) first');
    if (!cifarSets.has(normalize)) cifarSets.set(normalize, cifar10FromBatches(cifar, { strict: false, normalize }));
    return cifarSets.get(normalize)!;
  }

  function setCifarFiles(files: PickedFile[]): void {
    try {
      const bufs = cifarBuffers(files);
      cifar = bufs;
      cifarSets.clear();
      const images = (b: Uint8Array) => b.length / CIFAR10_RECORD_BYTES;
      post({ type: 'cifarReady', trainImages: bufs.train.reduce((s, b) => s + images(b), 0), testImages: images(bufs.test) });
    } catch (err) {
      // The page drops its "files loaded" state on this error; so does the worker.
      cifar = undefined;
      cifarSets.clear();
      post({ type: 'cifarError', message: err instanceof Error ? err.message : String(err) });
    }
  }

  function logits(requestId: number, pixels: Float32Array): void {
    const m = model;
    if (!m) return post({ type: 'error', message: 'train a model first, then ask for logits' });
    const out = tf.tidy(() => inferLogits(m, tf.tensor2d(pixels, [1, pixels.length])).dataSync());
    post({ type: 'logits', requestId, logits: Array.from(out) });
  }

  return {
    async handle(msg: ToWorker): Promise<void> {
      switch (msg.type) {
        case 'probe':
          post({ type: 'defaults', table: defaultsTable() });
          return post(await deps.probe(msg.threads, msg.gemm));
        case 'train':
          return train(msg.runs);
        case 'pause':
          paused = true;
          return;
        case 'resume':
          paused = false;
          return wake?.();
        case 'stop':
          stopRequested = true;
          return wake?.();
        case 'predict':
          return predict(msg.pixels);
        case 'cifarFiles':
          return setCifarFiles(msg.files);
        case 'exportModel':
          return exportModel();
        case 'budget':
          return post({ type: 'budget', requestId: msg.requestId, report: budgetReport(msg.config, tf.memory().numBytes) });
        case 'logits':
          return logits(msg.requestId, msg.pixels);
      }
    },
  };
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
