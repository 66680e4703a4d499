import type { TrainDefaults } from '@feedback-lab/core';
import {
  ACTIVATION_CHOICES, DEPTH_RANGE, INPUT_SIZE, MODEL_PRESETS, OPTIMIZER_CHOICES, RUN_DATASETS, WEB_BACKENDS,
  defaultsKey, isRunDataset, parsePreset, type DefaultsTable, type NamedPreset, type WebBackend,
} from '../presets';
import type { BackendStatus, RunConfig, WasmStatus } from '../protocol';
import { RULES, isRuleName } from '@feedback-lab/rules';
import { describeSettings } from '../settings';
import { byId, h } from './dom';

const select = (id: string) => byId<HTMLSelectElement>(id);
const input = (id: string) => byId<HTMLInputElement>(id);

/**
 * The training fields that take the rule's defaults for the model (`trainDefaults`), and how
 * each shows a default. A field the user edits is theirs (`data-source=user`) until "Use
 * defaults"; Start and Compare take it for every rule, and each rule's own default for the rest.
 */
const DEFAULT_FIELDS = {
  optimizer: (d) => d.optimizer,
  lr: (d) => String(d.lr),
  'lr-decay': (d) => String(d.lrDecaySteps ?? 0),
  batch: (d) => String(d.batchSize),
  epochs: (d) => String(d.epochs),
  'feedback-scale': (d) => String(d.feedbackScale),
} satisfies Record<string, (d: TrainDefaults) => string>;
type DefaultField = keyof typeof DEFAULT_FIELDS;
const FIELD_IDS = Object.keys(DEFAULT_FIELDS) as DefaultField[];

/** Fills the pickers from the registries and returns readers for the form. */
export function setupControls() {
  for (const { name, label } of RULES) {
    select('rule').append(h('option', { value: name }, label));
    byId('compare-rules').append(h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: name, checked: true, 'data-testid': `compare-${name}` }), ` ${label}`));
  }
  for (const b of WEB_BACKENDS) select('backend').append(h('option', { value: b }, b));
  for (const d of RUN_DATASETS) select('dataset').append(h('option', { value: d }, d === 'cifar10' ? 'cifar10 (pick the files)' : d));
  for (const p of MODEL_PRESETS) select('preset').append(h('option', { value: p.id }, p.label));
  select('preset').append(h('option', { value: '' }, 'custom'));
  for (const a of ACTIVATION_CHOICES) select('activation').append(h('option', { value: a }, a));
  for (const o of OPTIMIZER_CHOICES) select('optimizer').append(h('option', { value: o }, o));
  input('depth').min = String(DEPTH_RANGE.min);
  input('depth').max = String(DEPTH_RANGE.max);

  let cifarReady = false;
  let table: DefaultsTable | undefined;
  const overridden = new Set<DefaultField>();
  /** The activation the user picked for MLPs, restored when they leave a preset. */
  let mlpActivation = select('activation').value;

  // The CIFAR-10 file picker shows only with that dataset; the CIFAR presets need the files loaded.
  const showCifar = () => {
    byId('cifar').hidden = select('dataset').value !== 'cifar10';
    for (const p of MODEL_PRESETS.filter((m) => m.input === 3072)) {
      const opt = [...select('preset').options].find((o) => o.value === p.id);
      if (opt) opt.disabled = !cifarReady;
    }
  };
  const named = (): NamedPreset | undefined => {
    const p = parsePreset(input('arch').value);
    return p && 'preset' in p ? p : undefined;
  };
  const modelKey = () => defaultsKey(named(), select('activation').value as RunConfig['activation']);
  const defaultsFor = (rule: string) => table?.[modelKey()]?.[rule];

  /** Shows the selected rule's defaults in every field the user has not changed, and marks them. */
  function showDefaults(): void {
    const d = defaultsFor(select('rule').value);
    for (const id of FIELD_IDS) {
      const el = byId<HTMLInputElement | HTMLSelectElement>(id);
      if (d && !overridden.has(id)) el.value = DEFAULT_FIELDS[id](d);
      el.dataset.source = overridden.has(id) ? 'user' : 'default';
    }
    const p = named();
    byId('defaults-note').textContent = d
      ? `${p?.name ?? 'MLP'} defaults for ${select('rule').value}: ${describeSettings({ rule: select('rule').value, ...d })}`
      : '';
  }

  /** The widths field names the model: sync the preset picker, depth control and activation with it. */
  function syncModel(): void {
    const p = named();
    const arch = input('arch').value.trim();
    select('preset').value = p?.preset.id ?? MODEL_PRESETS.find((m) => m.arch === arch)?.id ?? '';
    byId('depth-row').hidden = p?.depth === undefined;
    if (p?.depth !== undefined) input('depth').value = String(p.depth);
    const act = select('activation');
    act.disabled = !!p;
    act.title = p ? `set by ${p.name}` : '';
    act.value = p?.preset.activation ?? mlpActivation;
    showDefaults();
  }

  select('dataset').addEventListener('change', showCifar);
  select('rule').addEventListener('change', showDefaults);
  select('preset').addEventListener('change', () => {
    const p = MODEL_PRESETS.find((m) => m.id === select('preset').value);
    if (!p) return;
    input('arch').value = p.arch ?? (p.depth === undefined ? p.id : `${p.id}-${p.depth}`);
    syncModel();
  });
  input('arch').addEventListener('input', syncModel);
  input('depth').addEventListener('input', () => {
    input('arch').value = `${select('preset').value}-${input('depth').value.trim()}`;
    showDefaults();
  });
  select('activation').addEventListener('change', () => {
    if (!named()) mlpActivation = select('activation').value;
    showDefaults();
  });
  for (const id of FIELD_IDS) {
    byId(id).addEventListener('input', () => {
      overridden.add(id);
      byId(id).dataset.source = 'user';
    });
  }
  byId('use-defaults').addEventListener('click', () => {
    overridden.clear();
    showDefaults();
  });

  input('arch').value = MODEL_PRESETS[0]!.arch!;
  showCifar();
  syncModel();

  return {
    /** The worker's table of each rule's defaults per model: the form shows the selected ones. */
    setDefaults(t: DefaultsTable): void {
      table = t;
      showDefaults();
    },
    /** CIFAR-10's files are loaded in the worker: the CIFAR presets become available. */
    setCifarReady(ready: boolean): void {
      cifarReady = ready;
      showCifar();
    },
    /** Marks unavailable backends disabled and lists why; falls back to wasm if needed. */
    setBackends(list: readonly BackendStatus[], wasm?: WasmStatus): void {
      const notes = byId('backend-notes');
      notes.replaceChildren();
      if (wasm) {
        const text = wasm.notice ?? `wasm: ${wasm.threads} ${wasm.threads === 1 ? 'thread' : 'threads'} (?threads=N in the URL to change)`;
        notes.append(h('li', { 'data-testid': 'wasm-threads', 'data-threads': String(wasm.threads) }, text));
        if (wasm.gemm) {
          const kernel = wasm.gemm === 'xnnpack' ? "XNNPACK's (tfjs)" : `feedback-lab's wasm-gemm (${wasm.gemm === 'relaxed' ? 'relaxed SIMD, fused multiply-add' : 'SIMD multiply and add'})`;
          notes.append(h('li', { 'data-testid': 'wasm-gemm', 'data-gemm': wasm.gemm }, `matrix products: ${kernel} (?gemm=off for XNNPACK's)`));
        }
      }
      for (const s of list) {
        const opt = [...select('backend').options].find((o) => o.value === s.name);
        if (!opt) continue;
        opt.disabled = !s.available;
        opt.textContent = s.available ? s.name : `${s.name} (unavailable)`;
        opt.title = s.reason ?? '';
        if (!s.available) notes.append(h('li', { 'data-testid': `backend-reason-${s.name}` }, `${s.name}: ${s.reason ?? 'unavailable'}`));
      }
      if (select('backend').selectedOptions[0]?.disabled) select('backend').value = 'wasm';
    },
    /**
     * The form as a run config for `rule` (default: the selected one), or an error naming the bad
     * field. Training fields the user left alone take `rule`'s own defaults for the model.
     */
    read(rule?: string): RunConfig | { error: string } {
      const r = rule ?? select('rule').value;
      if (!isRuleName(r)) return { error: `unknown rule "${r}"` };
      const dataset = select('dataset').value;
      if (!isRunDataset(dataset)) return { error: `unknown dataset "${dataset}"` };
      if (dataset === 'cifar10' && !cifarReady) return { error: 'cifar10: pick or drop the binary batch files (data_batch_*.bin, test_batch.bin) first' };
      const inputs = INPUT_SIZE[dataset];
      const parsed = parsePreset(input('arch').value);
      if (parsed && 'error' in parsed) return parsed;
      const p = parsed?.preset;
      if (typeof p?.input === 'number' && p.input !== inputs) {
        return { error: `${p.id} is made for ${p.input === 784 ? 'mnist or fashion-mnist' : 'cifar10'}, not ${dataset}; pick another model or dataset` };
      }
      const arch = p ? [inputs, 10] : input('arch').value.split('-').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
      const names = MODEL_PRESETS.filter((m) => !m.arch).map((m) => (m.depth === undefined ? m.id : `${m.id}-L`));
      if (arch.length < 2 || arch.some((w) => !(w > 0))) return { error: `widths must look like ${inputs}-800-10 (or a preset: ${names.join(', ')}), got "${input('arch').value}"` };
      if (arch[0] !== inputs || arch[arch.length - 1] !== 10) return { error: `${dataset} needs widths starting with ${inputs} (inputs) and ending with 10 (classes)` };
      const d = defaultsFor(r);
      if (!d) return { error: 'the training defaults have not arrived from the worker yet; try again in a moment' };
      const value = (id: DefaultField) => (overridden.has(id) ? byId<HTMLInputElement>(id).value : DEFAULT_FIELDS[id](d));
      const int = (v: string, min: number) => {
        const n = Number(v);
        return v.trim() !== '' && Number.isInteger(n) && n >= min ? n : NaN;
      };
      const fields = {
        batchSize: int(value('batch'), 1), epochs: int(value('epochs'), 1), lrDecaySteps: int(value('lr-decay'), 0),
        maxSteps: int(input('max-steps').value, 0), evalEvery: int(input('eval-every').value, 1),
        evalLimit: int(input('eval-limit').value, 1), profileEvery: int(input('profile-every').value, 1), seed: int(input('seed').value, 0),
      };
      const bad = Object.entries(fields).find(([, v]) => Number.isNaN(v));
      if (bad) return { error: `${bad[0]} must be a whole number in range` };
      const lr = Number(value('lr'));
      if (!(lr > 0)) return { error: `learning rate must be positive, got "${value('lr')}"` };
      const feedbackScale = Number(value('feedback-scale'));
      if (!(feedbackScale > 0)) return { error: `feedback scale must be positive, got "${value('feedback-scale')}"` };
      const { lrDecaySteps, ...rest } = fields;
      return {
        rule: r, dataset, arch, ...(parsed ? { preset: parsed.name } : {}), lr, ...rest,
        ...(lrDecaySteps ? { lrDecaySteps } : {}),
        activation: (p?.activation ?? select('activation').value) as RunConfig['activation'],
        optimizer: value('optimizer') as RunConfig['optimizer'],
        feedbackScale,
        ...(d.feedback ? { feedback: d.feedback } : {}),
        ...(d.feedbackConv ? { feedbackConv: d.feedbackConv } : {}),
        normalize: d.normalize,
        backend: select('backend').value as WebBackend,
      };
    },
    compareRules(): string[] {
      return [...byId('compare-rules').querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value).filter(isRuleName);
    },
    compareSteps(): number {
      return Math.max(1, Math.floor(Number(input('compare-steps').value)) || 1);
    },
  };
}
