// Messages between the page and the training worker. Plain data only (structured clone).
import type { ActivationName } from '@feedback-lab/core';
import type { OptimizerName } from '@feedback-lab/trainer';
import type { DefaultsTable, RunDataset, WebBackend } from './presets';

export interface RunConfig {
  /** A catalogued rule's name (@feedback-lab/rules). */
  rule: string;
  dataset: RunDataset;
  /** MLP widths; ignored when `preset` is set. */
  arch: number[];
  /** A named model from core's presets (`mnist-conv`, `long-fc-12`, …) instead of an MLP of `arch`. */
  preset?: string;
  /** The MLP's hidden activation; a preset has its own. */
  activation: ActivationName;
  // The training settings: the rule's defaults for the model (`trainDefaults`) unless overridden.
  optimizer: OptimizerName;
  lr: number;
  /** Inverse-time learning-rate decay: lr / (1 + step / N); undefined: constant. */
  lrDecaySteps?: number;
  batchSize: number;
  /** Feedback generator by name; undefined: the rule's own. */
  feedback?: string;
  feedbackScale: number;
  feedbackConv?: 'none' | 'positions';
  /** Standardise each input channel with the train split's statistics (cifar10 only). */
  normalize: boolean;
  backend: WebBackend;
  epochs: number;
  /** Stop after this many steps (0 = run all epochs). */
  maxSteps: number;
  /** Evaluate test accuracy every N steps on `evalLimit` test samples. */
  evalEvery: number;
  evalLimit: number;
  /** Profile memory on the first step and one step in N. */
  profileEvery: number;
  seed: number;
}

/** Memory of one profiled training step (engine tensor bytes, from the profiler). */
export interface StepRecord {
  step: number;
  /** Bytes alive when the step started: weights, optimizer slots, feedback matrices, the batch. */
  startBytes: number;
  peakBytes: number;
  /** peakBytes − startBytes. */
  transientBytes: number;
  /** Highest bytes within each phase the rule marked (forward, error, update:dense1, …). */
  phases: { phase: string; peakBytes: number }[];
  /** Bytes after each kernel of the step, with the phase it ran in. */
  timeline: { phase: string; bytes: number }[];
}

export interface BackendStatus {
  name: WebBackend;
  available: boolean;
  /** Why it is unavailable (shown next to the disabled option). */
  reason?: string;
}

export type ToWorker =
  /** `threads`: the page's `?threads=` parameter (wasm threads; absent = every logical core). */
  /** `gemm`: the page's `?gemm=` parameter (`off`: XNNPACK's products instead of @feedback-lab/wasm-gemm's). */
  | { type: 'probe'; threads?: string | null; gemm?: string | null }
  | { type: 'train'; runs: { id: number; config: RunConfig }[] }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'predict'; pixels: Float32Array }
  /** The last trained model as model.json + weights.bin (answered with `modelFiles`). */
  | { type: 'exportModel' }
  /** CIFAR-10's binary batch files, picked or dropped by the user (answered with `cifarReady`). */
  | { type: 'cifarFiles'; files: { name: string; bytes: ArrayBuffer }[] }
  /** Each rule's predicted peak for this config against the wasm heap (answered with `budget`). */
  | { type: 'budget'; requestId: number; config: RunConfig }
  /** Raw logits of the last trained model for one flat input (a test and console hook). */
  | { type: 'logits'; requestId: number; pixels: Float32Array };

export interface RunInfo {
  id: number;
  /** A catalogued rule's name (@feedback-lab/rules). */
  rule: string;
  /** e.g. `wasm (SIMD)` or `webgl`. */
  backend: string;
  arch: string;
  paramBytes: number;
  /** The run's training settings in one line, e.g. `momentum lr 0.01 · batch 64 · feedback ×0.3`. */
  settings?: string;
}

/** Predicted peaks (bytes) of every rule for one run config, against the wasm heap. */
export interface BudgetReport {
  /** What tfjs-backend-wasm's heap can grow to (wasm32: 4 GiB − 64 KiB). */
  limitBytes: number;
  /** Runs predicted above this are refused: ¾ of the heap, less `heldBytes`. */
  budgetBytes: number;
  /** Tensor bytes the engine already holds (datasets, the last model). */
  heldBytes: number;
  rule: string;
  batchSize: number;
  model: string;
  /** Per rule at `batchSize`: predicted peak, whether it fits the budget, the largest batch that does. */
  rows: { rule: string; peakBytes: number; fits: boolean; largestBatch: number }[];
  /** Predicted peak per rule against the batch size (same model). */
  byBatch: { x: number[]; peaks: Record<string, number[]> };
  /** Predicted peak per rule against depth (depth presets only: long-fc-L, long-conv-L, deep-mlp-L). */
  byDepth?: { x: number[]; peaks: Record<string, number[]> };
}

/** How wasm started: threads (and why fewer than asked), and which kernel runs 2-D products. */
export interface WasmStatus {
  threads: number;
  notice?: string;
  /** @feedback-lab/wasm-gemm's product (`relaxed`: fused multiply-add; `simd`: multiply and add), or `xnnpack` (tfjs's own). */
  gemm?: 'relaxed' | 'simd' | 'xnnpack';
}

export type FromWorker =
  /** `wasm`: the threads the wasm backend started with, and why fewer than asked for. */
  | { type: 'backends'; list: BackendStatus[]; wasm?: WasmStatus }
  /** Each rule's training defaults per model (sent before `backends`): what the form shows. */
  | { type: 'defaults'; table: DefaultsTable }
  | { type: 'status'; text: string }
  | { type: 'runStart'; run: RunInfo }
  /** `heapBytes`: the wasm heap's size after the step (it only grows); absent on other backends. */
  | { type: 'batch'; id: number; step: number; loss: number; samplesPerSec: number; heapBytes?: number }
  /** The memory budget of a run config (answer to `budget`). */
  | { type: 'budget'; requestId: number; report: BudgetReport }
  /** A run refused before allocating (predicted peak over the heap budget); the next run goes on. */
  | { type: 'refused'; id: number; rule: string; message: string }
  | { type: 'eval'; id: number; step: number; testAccuracy: number }
  | { type: 'memory'; id: number; record: StepRecord }
  | { type: 'runEnd'; id: number; reason: 'done' | 'stopped' | 'error'; message?: string }
  | { type: 'idle' }
  | { type: 'prediction'; probs: number[] }
  | { type: 'cifarReady'; trainImages: number; testImages: number }
  | { type: 'cifarError'; message: string }
  | { type: 'modelFiles'; name: string; modelJson: string; weightsBin: ArrayBuffer }
  | { type: 'logits'; requestId: number; logits: number[] }
  | { type: 'error'; message: string };
