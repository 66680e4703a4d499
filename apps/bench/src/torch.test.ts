import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpec } from '@feedback-lab/core';
import { DEFAULT_PYTHON, TORCH_SCRIPT, torchRunner } from './torch';

const hasPython = spawnSync(DEFAULT_PYTHON, ['-c', 'pass']).status === 0;
const hasTorch = hasPython && spawnSync(DEFAULT_PYTHON, ['-c', 'import torch']).status === 0;
const base = { batchSize: 4, threads: 1, optimizer: 'momentum', lr: 0.01, seed: 1 } as const;

describe('the PyTorch reference', () => {
  it.skipIf(!hasPython).each(['cifar-conv', 'mnist-conv'])('builds %s from the same spec as presetSpec (skipped without python3)', (name) => {
    const r = spawnSync(DEFAULT_PYTHON, [TORCH_SCRIPT, '--print-spec', name], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(presetSpec(name));
  });

  it.skipIf(!hasTorch)('times blocks of BP steps of a conv net in a served process (skipped without torch)', async () => {
    const torch = await torchRunner({ ...base, spec: presetSpec('cifar-conv') });
    try {
      expect(torch.backend).toMatch(/^torch \S+ cpu, 1 thread, OMP_WAIT_POLICY=\w+/);
      const a = await torch.run(2);
      const b = await torch.run(1);
      expect(a.stepMs).toHaveLength(2);
      expect(b.cpuMs).toHaveLength(1);
      for (const ms of [...a.stepMs, ...b.stepMs, ...a.cpuMs]) expect(ms).toBeGreaterThan(0);
      expect(Number.isFinite(b.loss)).toBe(true);
    } finally {
      await torch.close();
    }
  });

  it('rejects with a one-line error naming the fix when python is missing or fails', async () => {
    await expect(torchRunner({ ...base, python: '/nonexistent/python3', spec: presetSpec('mnist-fc') }))
      .rejects.toThrow(/^--torch: \/nonexistent\/python3 cannot run the PyTorch reference \(ENOENT\): apt-get install python3-torch/);
    await expect(torchRunner({ ...base, python: '/bin/false', spec: presetSpec('mnist-fc') })).rejects.toThrow(/\(exit 1\): apt-get install python3-torch/);
  });

  it.skipIf(!hasPython)('relays the script\'s own line when python lacks torch (skipped without python3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbl-no-torch-'));
    mkdirSync(join(dir, 'torch'));
    writeFileSync(join(dir, 'torch', '__init__.py'), 'raise ImportError("no torch here")\n');
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = dir; // shadows any installed torch
    try {
      await expect(torchRunner({ ...base, spec: presetSpec('mnist-fc') }))
        .rejects.toThrow(/cannot run the PyTorch reference \(torch_speed: cannot import torch \(no torch here\): apt-get install python3-torch\)/);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });
});
