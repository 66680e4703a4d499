import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';

describe('fbl presets', () => {
  it('prints each preset\'s defaults, then the rules\' own for its kind, read from their descriptors', async () => {
    const r = await runCli('presets');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const defaults = (name: string) => lines[lines.findIndex((l) => l.startsWith(`${name} `)) + 1]!.trim();
    expect(defaults('mnist-fc')).toBe('defaults: momentum lr 0.01, batch 64, 2 epoch(s); fa: feedback fan-out, feedbackScale 0.25; dfa: feedbackScale 0.25; mem-dfa: feedbackScale 0.25; drtp: feedbackScale 0.002');
    expect(defaults('mnist-conv-bn')).toBe('defaults: momentum lr 0.01, batch 64, 2 epoch(s); fa: feedback fan-out, feedbackScale 0.25; drtp: feedbackScale 0.002, lrDecaySteps 300');
    expect(defaults('long-fc[-<L>]')).toBe('defaults: momentum lr 0.01, batch 64, 1 epoch(s)');
  });

  it('--json: each preset\'s defaults with its kind and the rules\' own (none on the long nets)', async () => {
    const r = await runCli('presets', '--json');
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(r.out) as { name: string; defaults: { kind: string; rules?: Record<string, unknown> } }[];
    const cifar = list.find((p) => p.name === 'cifar-conv')!;
    expect(cifar.defaults).toMatchObject({ kind: 'cifar-conv', normalize: true, epochs: 3, rules: { drtp: { feedbackScale: 0.0005, lrDecaySteps: 200 } } });
    expect(Object.keys(cifar.defaults.rules!)).toEqual(['fa', 'kp', 'dfa', 'mem-dfa', 'drtp']);
    expect(list.find((p) => p.name === 'long-conv[-<L>]')!.defaults).not.toHaveProperty('rules');
  });
});
