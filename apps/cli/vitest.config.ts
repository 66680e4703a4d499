import { sharedConfig } from '@feedback-lab/tooling/vitest';

// Commands run in-process in one test file after another; their wasm backend starts once, on
// one thread (the threaded path has its own test in core, in child processes).
const config = sharedConfig();
export default { ...config, test: { ...config.test, env: { FBL_THREADS: '1' } } };
