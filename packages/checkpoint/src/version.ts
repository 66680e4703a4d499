import { version_core } from '@tensorflow/tfjs-core';
import { FblError } from '@feedback-lab/core';
import { FORMAT_VERSION } from './format';

/** Kept equal to package.json's version (a test checks it). */
export const FBL_VERSION = '0.1.0';

/** Who wrote a checkpoint: results are only bit-identical under the same versions. */
export interface VersionStamp {
  feedbackLab: string;
  tfjs: string;
  format: number;
}

export function versionStamp(): VersionStamp {
  return { feedbackLab: FBL_VERSION, tfjs: version_core, format: FORMAT_VERSION };
}

/** Throws a CHECKPOINT error naming every version that differs from this build's. */
export function checkVersion(saved: unknown, what = 'checkpoint'): void {
  const now = versionStamp();
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Partial<VersionStamp>;
  const diffs = (Object.keys(now) as (keyof VersionStamp)[])
    .filter((k) => s[k] !== now[k])
    .map((k) => `${k} ${JSON.stringify(s[k] ?? 'unknown')} (this build: ${JSON.stringify(now[k])})`);
  if (diffs.length) throw new FblError('CHECKPOINT', `${what} was written by another version: ${diffs.join(', ')}`);
}
