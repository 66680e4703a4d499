#!/usr/bin/env -S node --conditions=@feedback-lab/source --import tsx
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Not an expected failure: keep the stack, it is a bug report.
    console.error(err);
    process.exitCode = 70;
  },
);
