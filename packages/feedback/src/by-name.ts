import { FblError, type FeedbackGenerator } from '@feedback-lab/core';
import { sign, sparse } from './discrete';
import { orthogonal } from './orthogonal';
import { fanOut, gaussian, heNormal, uniform, xavier } from './random';
import { sharedSlice } from './shared-slice';

export const GENERATOR_NAMES = ['gaussian', 'uniform', 'he-normal', 'fan-out', 'xavier', 'sign', 'ternary', 'sparse', 'orthogonal', 'shared-slice'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

export interface ByNameOptions {
  scale?: number;
  /** For `sparse` (default 0.1). */
  density?: number;
  /** For `shared-slice`: the seed of the shared matrix. */
  seed?: number;
}

/**
 * A generator from its name, for CLIs and config files.
 *
 * @example
 * const g = generatorByName('orthogonal', { scale: 0.5 });
 */
export function generatorByName(name: string, o: ByNameOptions = {}): FeedbackGenerator {
  const scale = o.scale;
  switch (name as GeneratorName) {
    case 'gaussian': return gaussian({ scale });
    case 'uniform': return uniform({ scale });
    case 'he-normal': return heNormal({ scale });
    case 'fan-out': return fanOut({ scale });
    case 'xavier': return xavier({ scale });
    case 'sign': return sign({ scale });
    case 'ternary': return sparse({ scale });
    case 'sparse': return sparse({ scale, density: o.density ?? 0.1 });
    case 'orthogonal': return orthogonal({ scale });
    case 'shared-slice': return sharedSlice({ base: heNormal({ scale }), seed: o.seed });
    default:
      throw new FblError('INVALID_OPTION', `unknown feedback generator "${name}" (expected ${GENERATOR_NAMES.join(', ')})`);
  }
}
