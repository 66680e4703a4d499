import { version_core } from '@tensorflow/tfjs-core';
import { FblError } from '@feedback-lab/core';
import { FORMAT_VERSION } from './format';
// A named import from package.json: bundlers (tsup at build time, vite) inline just this string,
// so `changeset version` bumping package.json is all a release needs.
import { version } from '../package.json';

/** This package's version, from its package.json (inlined at build time). */
export const FBL_VERSION: string = version;

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
