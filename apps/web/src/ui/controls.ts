import { ACTIVATION_CHOICES, INPUT_SIZE, PRESET_INPUT_SIZE, RUN_DATASETS, isRunDataset, MODEL_PRESETS, OPTIMIZER_CHOICES, SPEC_PRESETS, WEB_BACKENDS, isSpecPreset, type WebBackend } from '../presets';
import type { BackendStatus, RunConfig } from '../protocol';
import { RULES, isRuleName } from '@feedback-lab/rules';
import { byId, h } from './dom';

const select = (id: string) => byId<HTMLSelectElement>(id);
const input = (id: string) => byId<HTMLInputElement>(id);

/** Fills the pickers from the registries and returns readers for the form. */
export function setupControls() {
  for (const { name, label } of RULES) {
    select('rule').append(h('option', { value: name }, label));
    byId('compare-rules').append(h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: name, checked: true, 'data-testid': `compare-${name}` }), ` ${label}`));
  }
  for (const b of WEB_BACKENDS) select('backend').append(h('option', { value: b }, b));
  for (const d of RUN_DATASETS) select('dataset').append(h('option', { value: d }, d === 'cifar10' ? 'cifar10 (pick the files)' : d));
  let cifarReady = false;
  // The CIFAR-10 file picker shows only with that dataset; cifar-conv needs the files loaded.
  const showCifar = () => {
    byId('cifar').hidden = select('dataset').value !== 'cifar10';
    const opt = [...select('preset').options].find((o) => o.value === 'cifar-conv');
    if (opt) opt.disabled = !cifarReady;
  };
  select('dataset').addEventListener('change', showCifar);
  for (const p of MODEL_PRESETS) select('preset').append(h('option', { value: p.arch }, p.label));
  select('preset').append(h('option', { value: '' }, 'custom'));
  for (const a of ACTIVATION_CHOICES) select('activation').append(h('option', { value: a }, a));
  for (const o of OPTIMIZER_CHOICES) select('optimizer').append(h('option', { value: o }, o));
  select('optimizer').value = 'momentum';
  input('arch').value = select('preset').value;
  showCifar();
  select('preset').addEventListener('change', () => {
    if (select('preset').value) input('arch').value = select('preset').value;
  });
  input('arch').addEventListener('input', () => {
    select('preset').value = MODEL_PRESETS.find((p) => p.arch === input('arch').value)?.arch ?? '';
  });

  return {
    /** CIFAR-10's files are loaded in the worker: cifar-conv becomes available. */
    setCifarReady(ready: boolean): void {
      cifarReady = ready;
      showCifar();
    },
    /** Marks unavailable backends disabled and lists why; falls back to wasm if needed. */
    setBackends(list: readonly BackendStatus[], wasm?: { threads: number; notice?: string }): void {
      const notes = byId('backend-notes');
      notes.replaceChildren();
      if (wasm) {
        const text = wasm.notice ?? `wasm: ${wasm.threads} ${wasm.threads === 1 ? 'thread' : 'threads'} (?threads=N in the URL to change)`;
        notes.append(h('li', { 'data-testid': 'wasm-threads', 'data-threads': String(wasm.threads) }, text));
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
    /** The form as a run config for `rule`, or an error naming the bad field. */
    read(rule?: string): RunConfig | { error: string } {
      const r = rule ?? select('rule').value;
      if (!isRuleName(r)) return { error: `unknown rule "${r}"` };
      const dataset = select('dataset').value;
      if (!isRunDataset(dataset)) return { error: `unknown dataset "${dataset}"` };
      if (dataset === 'cifar10' && !cifarReady) return { error: 'cifar10: pick or drop the binary batch files (data_batch_*.bin, test_batch.bin) first' };
      const inputs = INPUT_SIZE[dataset];
      const preset = input('arch').value.trim();
      const named = isSpecPreset(preset) ? { preset } : {};
      if (named.preset && PRESET_INPUT_SIZE[named.preset] !== inputs) {
        return { error: `${named.preset} is made for ${PRESET_INPUT_SIZE[named.preset] === 784 ? 'mnist or fashion-mnist' : 'cifar10'}, not ${dataset}; pick another model or dataset` };
      }
      const arch = named.preset ? [inputs, 10] : input('arch').value.split('-').map((s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN));
      if (arch.length < 2 || arch.some((w) => !(w > 0))) return { error: `widths must look like ${inputs}-800-10 (or a preset: ${SPEC_PRESETS.join(', ')}), got "${input('arch').value}"` };
      if (arch[0] !== inputs || arch[arch.length - 1] !== 10) return { error: `${dataset} needs widths starting with ${inputs} (inputs) and ending with 10 (classes)` };
      const int = (id: string, min: number) => {
        const v = Number(input(id).value);
        return Number.isInteger(v) && v >= min ? v : NaN;
      };
      const fields = {
        batchSize: int('batch', 1), epochs: int('epochs', 1), maxSteps: int('max-steps', 0), evalEvery: int('eval-every', 1),
        evalLimit: int('eval-limit', 1), profileEvery: int('profile-every', 1), seed: int('seed', 0),
      };
      const bad = Object.entries(fields).find(([, v]) => Number.isNaN(v));
      if (bad) return { error: `${bad[0]} must be a whole number in range` };
      const lr = Number(input('lr').value);
      if (!(lr > 0)) return { error: `learning rate must be positive, got "${input('lr').value}"` };
      return {
        rule: r, dataset, arch, ...named, lr, ...fields,
        activation: select('activation').value as RunConfig['activation'],
        optimizer: select('optimizer').value as RunConfig['optimizer'],
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
