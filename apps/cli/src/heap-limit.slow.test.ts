import { describe, expect, it } from 'vitest';
import { spawnCli } from './spawn-cli';

// Near the real wasm32 limit: a 784-16384-16384-10 MLP (281 M parameters, 1.1 GB of weights)
// fits the up-front size check with momentum (3.3 GB < 3.5 GB) once the memory model's budget is
// lifted, so the weights are really allocated in the wasm heap; the first BP step at batch 1024
// would then need far more than the 4 GiB wasm32 can address. The heap guard must stop it with
// one line, not let malloc fail and corrupt memory.
describe('wasm32 limit', () => {
  it('stops cleanly before a step that would pass 3.5 GiB of wasm heap', async () => {
    const t0 = performance.now();
    const r = await spawnCli(['train', '--dataset', 'mnist', '--limit', '1024', '--arch', '784-16384-16384-10', '--batch-size', '1024',
      '--epochs', '1', '--memory-budget', '1000000']).done;
    console.log(`wasm32 limit: exit ${r.code} after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${r.err.trim()}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: the wasm heap would reach about \d+ MiB \(heap (1[0-9]{3}|[2-9][0-9]{3}) MiB, step needs ~\d+ MiB\) at step 0; the limit is 3584 MiB/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  }, 300_000);
});
