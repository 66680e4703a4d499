import { bytes, num, pct } from './format';
import type { FromWorker, RunConfig, ToWorker } from './protocol';
import { createRunStore, summarize } from './runs';
import { lineChart } from './ui/chart';
import { setupControls } from './ui/controls';
import { byId, h } from './ui/dom';
import { summaryRow } from './ui/summary';
import { setupDrawPad } from './ui/draw-pad';
import { setupBudgetPanel } from './ui/budget';
import { perStepLines, phaseSummary, runStyle, timelineLines } from './ui/memory';

/**
 * Wires the page to the training worker: the form sends run configs, the worker's messages
 * feed the run store, and a render per animation frame redraws charts and the table.
 */
export function startApp(worker: Worker): void {
  const send = (m: ToWorker) => worker.postMessage(m);
  const store = createRunStore();
  const controls = setupControls();
  const pad = setupDrawPad((pixels) => send({ type: 'predict', pixels }));
  const charts = {
    loss: lineChart(byId('chart-loss'), { title: 'Training loss per step', xLabel: 'step' }),
    accuracy: lineChart(byId('chart-accuracy'), { title: 'Test accuracy', xLabel: 'step', yFormat: pct, points: true }),
    speed: lineChart(byId('chart-speed'), { title: 'Samples / s', xLabel: 'step', yFormat: (v) => num(v) }),
    memory: lineChart(byId('chart-memory'), { title: 'Memory per profiled step: peak (solid) vs resident (dashed)', xLabel: 'step', yFormat: bytes, points: true }),
    timeline: lineChart(byId('chart-timeline'), { title: 'Within one step: transient bytes after each kernel', xLabel: 'kernel', yFormat: bytes }),
  };

  // Each rule's predicted peak for the form's model and batch, asked again whenever the form changes.
  const budget = setupBudgetPanel();
  let budgetRequest = 0;
  let budgetTimer: ReturnType<typeof setTimeout> | undefined;
  const askBudget = () => {
    clearTimeout(budgetTimer);
    budgetTimer = setTimeout(() => {
      const c = controls.read();
      if (!('error' in c)) send({ type: 'budget', requestId: ++budgetRequest, config: c });
    }, 150);
  };
  byId('controls').addEventListener('input', askBudget);
  byId('controls').addEventListener('change', askBudget);
  const refused: string[] = [];

  let nextId = 1;
  let hasModel = false;
  let nextRequest = 1;
  const pendingLogits = new Map<number, (logits: number[]) => void>();
  // Console and test hooks: the last trained model's logits for one flat input; each run's
  // settings and losses per step.
  (window as unknown as { feedbackLab: unknown }).feedbackLab = {
    logits: (pixels: ArrayLike<number>): Promise<number[]> => new Promise((resolve) => {
      const requestId = nextRequest++;
      pendingLogits.set(requestId, resolve);
      send({ type: 'logits', requestId, pixels: Float32Array.from(pixels) });
    }),
    runs: () => store.runs().map((r) => ({ rule: r.info.rule, arch: r.info.arch, settings: r.info.settings, steps: r.loss.x, loss: r.loss.y })),
  };
  let state: 'idle' | 'training' | 'paused' = 'idle';
  let frame = 0;

  function setState(s: typeof state): void {
    state = s;
    byId('status').dataset.state = s;
    byId<HTMLButtonElement>('pause').disabled = s === 'idle';
    byId('pause').textContent = s === 'paused' ? 'Resume' : 'Pause';
    byId<HTMLButtonElement>('compare').disabled = s !== 'idle';
    byId('start').textContent = s === 'paused' ? 'Resume' : 'Start';
    byId<HTMLButtonElement>('start').disabled = s === 'training';
    byId<HTMLButtonElement>('download').disabled = s !== 'idle' || !hasModel;
  }

  function showError(text: string): void {
    byId('error').textContent = text;
  }

  function startRuns(configs: RunConfig[]): void {
    showError('');
    refused.length = 0;
    send({ type: 'train', runs: configs.map((config) => ({ id: nextId++, config })) });
    setState('training');
  }

  byId('start').addEventListener('click', () => {
    if (state === 'paused') {
      send({ type: 'resume' });
      return setState('training');
    }
    const c = controls.read();
    if ('error' in c) return showError(c.error);
    startRuns([c]);
  });
  byId('pause').addEventListener('click', () => {
    send({ type: state === 'paused' ? 'resume' : 'pause' });
    setState(state === 'paused' ? 'training' : 'paused');
  });
  byId('reset').addEventListener('click', () => {
    send({ type: 'stop' });
    store.clear();
    render();
  });
  // CIFAR-10 files go to the worker (transferred, not copied: up to 180 MB), which checks them.
  const sendCifar = async (files: FileList | null | undefined) => {
    if (!files?.length) return;
    byId('cifar-status').textContent = `reading ${files.length} files…`;
    const picked = await Promise.all([...files].map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    worker.postMessage({ type: 'cifarFiles', files: picked } satisfies ToWorker, picked.map((p) => p.bytes));
  };
  byId<HTMLInputElement>('cifar-files').addEventListener('change', (e) => void sendCifar((e.target as HTMLInputElement).files));
  byId('cifar').addEventListener('dragover', (e) => e.preventDefault());
  byId('cifar').addEventListener('drop', (e) => {
    e.preventDefault();
    void sendCifar(e.dataTransfer?.files);
  });
  byId('download').addEventListener('click', () => send({ type: 'exportModel' }));
  byId('compare').addEventListener('click', () => {
    const rules = controls.compareRules();
    if (!rules.length) return showError('tick at least one rule to compare');
    const steps = controls.compareSteps();
    const configs: RunConfig[] = [];
    for (const rule of rules) {
      // Each rule with its own defaults for the model, except the fields the user edited.
      const c = controls.read(rule);
      if ('error' in c) return showError(c.error);
      // Same model, seed and data order for every rule.
      configs.push({ ...c, maxSteps: steps, epochs: Math.max(c.epochs, Math.ceil((steps * c.batchSize) / 60_000)) });
    }
    startRuns(configs);
  });

  worker.onmessage = (ev: MessageEvent<FromWorker>) => {
    const m = ev.data;
    switch (m.type) {
      case 'defaults':
        controls.setDefaults(m.table);
        return askBudget();
      case 'budget':
        // only the answer to the latest request: an older one describes another form
        if (m.requestId === budgetRequest) budget.show(m.report);
        return;
      case 'refused':
        refused.push(m.message);
        return showError(refused.join('\n'));
      case 'backends':
        controls.setBackends(m.list, m.wasm);
        byId('status').textContent = 'ready';
        byId('status').dataset.ready = 'true';
        return;
      case 'status':
        byId('status').textContent = m.text;
        return;
      case 'idle':
        return setState('idle');
      case 'prediction':
        return pad.showPrediction(m.probs);
      case 'cifarReady':
        byId('cifar-status').textContent = `cifar10: ${m.trainImages} train / ${m.testImages} test images`;
        byId('cifar').dataset.ready = 'true';
        return controls.setCifarReady(true);
      case 'cifarError':
        byId('cifar-status').textContent = 'no files loaded';
        delete byId('cifar').dataset.ready;
        controls.setCifarReady(false);
        return showError(m.message);
      case 'modelFiles':
        // model.json names its weights file "weights.bin": both keep those names so
        // tf.loadLayersModel finds the weights next to model.json.
        download('model.json', new Blob([m.modelJson], { type: 'application/json' }));
        download('weights.bin', new Blob([m.weightsBin], { type: 'application/octet-stream' }));
        return;
      case 'logits':
        pendingLogits.get(m.requestId)?.(m.logits);
        pendingLogits.delete(m.requestId);
        return;
      case 'runStart':
        hasModel = true;
        store.apply(m);
        return schedule();
      case 'error':
        return showError(m.message);
      case 'batch':
        if (m.heapBytes !== undefined) budget.heap(m.heapBytes);
        if (store.apply(m)) schedule();
        return;
      default:
        if (store.apply(m)) schedule();
    }
  };
  worker.onerror = (e) => showError(`worker failed: ${e.message}`);

  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function render(): void {
    frame = 0;
    const runs = store.runs();
    const lines = (pick: (r: (typeof runs)[number]) => { x: number[]; y: number[] }) =>
      runs.map((r, i) => ({ ...runStyle(r, i), ...pick(r) }));
    charts.loss.update(lines((r) => r.loss));
    charts.accuracy.update(lines((r) => r.accuracy));
    charts.speed.update(lines((r) => r.samplesPerSec));
    charts.memory.update(perStepLines(runs));
    charts.timeline.update(timelineLines(runs));
    byId('phases').replaceChildren(...runs.map((r, i) => h('li', { style: `color:${runStyle(r, i).color}` }, `${runStyle(r, i).label}: `,
      phaseSummary(r).map((p) => `${p.phase} ${bytes(p.transientBytes)}`).join(' · ') || '—')));
    byId('summary').querySelector('tbody')!.replaceChildren(...runs.map((r, i) => summaryRow(summarize(r), runStyle(r, i).color, r)));
  }


  setState('idle');
  render();
  const query = new URLSearchParams(location.search);
  send({ type: 'probe', threads: query.get('threads'), gemm: query.get('gemm') });
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // Revoked later, not at once: the browser reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
