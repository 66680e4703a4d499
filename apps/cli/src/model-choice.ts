import { closeSync, openSync, readSync } from 'node:fs';
import { buildModel, FblError, parseArch, presetSpec, validateSpec, type ActivationName, type Dataset, type Model, type ModelSpec } from '@feedback-lab/core';
import { UsageError } from './args';

export interface ModelChoice {
  /** `--arch 784-800-10`, the MLP shorthand. */
  arch?: string;
  activation?: string;
  /** `--preset mnist-conv`. */
  preset?: string;
  /** `--model file.json`. */
  model?: string;
}

/**
 * Largest `--model` file read. A spec of MAX_LAYERS blocks, pretty-printed with every option,
 * is under 1 MiB; the bound keeps a huge or endless file (a device, a pipe) from being read whole
 * before it is parsed.
 */
export const MAX_MODEL_FILE_BYTES = 8 * 2 ** 20;

/** The text of a `--model` file, read in chunks up to {@link MAX_MODEL_FILE_BYTES}. */
function readModelFile(path: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.allocUnsafe(2 ** 16);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_MODEL_FILE_BYTES) break;
      chunks.push(chunk.subarray(0, n));
    }
  } catch {
    throw new FblError('DATA_MISSING', `--model: cannot read ${path}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (total > MAX_MODEL_FILE_BYTES) throw new FblError('INVALID_OPTION', `--model ${path}: over the ${MAX_MODEL_FILE_BYTES / 2 ** 20} MiB limit of a model file`);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Turns the CLI's model options into one spec. `--arch`, `--preset` and `--model` are
 * alternatives; `--arch` is the default. Returns the spec and a short label for logs.
 */
export function resolveSpec(c: ModelChoice, dataset: Pick<Dataset, 'name' | 'inputShape' | 'numClasses'>): { spec: ModelSpec; label: string; arch?: string } {
  const given = (['arch', 'preset', 'model'] as const).filter((k) => c[k] !== undefined);
  if (given.length > 1) throw new UsageError('give only one of --arch, --preset and --model');
  if (c.preset !== undefined) {
    return { spec: presetSpec(c.preset, { inputShape: dataset.inputShape, numClasses: dataset.numClasses }), label: `preset ${c.preset}` };
  }
  if (c.model !== undefined) {
    const text = readModelFile(c.model);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new FblError('INVALID_OPTION', `--model ${c.model}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`); // V8 quotes the text, newlines too
    }
    const spec = validateSpec(raw, `--model ${c.model}`);
    return { spec: { ...spec, name: spec.name ?? c.model }, label: `model ${c.model}` };
  }
  const text = c.arch ?? '784-800-800-10';
  const arch = parseArch(text);
  const inputSize = dataset.inputShape.reduce((a, b) => a * b, 1);
  if (arch[0] !== inputSize || arch[arch.length - 1] !== dataset.numClasses) {
    throw new UsageError(`--arch ${text} does not fit ${dataset.name}: it must start with ${inputSize} (inputs) and end with ${dataset.numClasses} (classes)`);
  }
  const activation = (c.activation ?? 'tanh') as ActivationName;
  const spec: ModelSpec = {
    name: `--arch ${text}`,
    input: [arch[0]!],
    layers: arch.slice(1).map((units, i) => ({ type: 'dense' as const, units, activation: i === arch.length - 2 ? 'linear' : activation })),
  };
  return { spec, label: `arch ${text} ${activation}`, arch: text };
}

/** Builds the chosen model for a dataset, as a usage error when the shapes do not fit. */
export function buildChosenModel(spec: ModelSpec, dataset: Dataset, seed: number): Model {
  try {
    return buildModel(spec, { inputShape: dataset.inputShape, numClasses: dataset.numClasses, seed });
  } catch (err) {
    if (err instanceof FblError && err.code === 'SHAPE_MISMATCH') throw new UsageError(`${err.message} (dataset ${dataset.name})`);
    throw err;
  }
}
