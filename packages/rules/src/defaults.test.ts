import { presetDefaults, specDefaults, type ModelSpec, type TrainDefaults } from '@feedback-lab/core';
import { describe, expect, it } from 'vitest';
import { RULES } from './catalog';
import { trainDefaults } from './defaults';

// Every preset's defaults per rule as core's presets.ts merged them before the rules' defaults
// moved into their descriptors (generated from that code): the move must change no number.
const TABLE = `
model         rule          optimizer lr   lrDecaySteps batchSize epochs feedback  feedbackScale feedbackConv normalize
(none)        bp            momentum  0.01 -            64        2      -         1             -            false
(none)        fa            momentum  0.01 -            64        2      fan-out   1             -            false
(none)        dfa           momentum  0.01 -            64        2      he-normal 1             -            false
(none)        mem-dfa       momentum  0.01 -            64        2      he-normal 1             -            false
(none)        drtp          momentum  0.01 -            64        2      he-normal 1             -            false
(none)        sign-symmetry momentum  0.01 -            64        2      -         1             -            false
mnist-fc      bp            momentum  0.01 -            64        2      -         1             -            false
mnist-fc      fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
mnist-fc      dfa           momentum  0.01 -            64        2      -         0.25          -            false
mnist-fc      mem-dfa       momentum  0.01 -            64        2      -         0.25          -            false
mnist-fc      drtp          momentum  0.01 -            64        2      -         0.002         -            false
mnist-fc      sign-symmetry momentum  0.01 -            64        2      -         1             -            false
mnist-conv    bp            momentum  0.01 -            64        2      -         1             -            false
mnist-conv    fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
mnist-conv    dfa           momentum  0.01 -            64        2      -         1             -            false
mnist-conv    mem-dfa       momentum  0.01 -            64        2      -         1             -            false
mnist-conv    drtp          momentum  0.01 300          64        2      -         0.002         -            false
mnist-conv    sign-symmetry momentum  0.01 -            64        2      -         1             -            false
cifar-conv    bp            momentum  0.01 -            64        3      -         1             -            true
cifar-conv    fa            momentum  0.01 300          64        3      fan-out   0.1           -            true
cifar-conv    dfa           momentum  0.01 300          64        3      -         0.3           positions    true
cifar-conv    mem-dfa       momentum  0.01 300          64        3      -         0.3           positions    true
cifar-conv    drtp          momentum  0.01 200          64        3      -         0.0005        -            true
cifar-conv    sign-symmetry momentum  0.01 -            64        3      -         1             -            true
mnist-conv-bn bp            momentum  0.01 -            64        2      -         1             -            false
mnist-conv-bn fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
mnist-conv-bn dfa           momentum  0.01 -            64        2      -         1             -            false
mnist-conv-bn mem-dfa       momentum  0.01 -            64        2      -         1             -            false
mnist-conv-bn drtp          momentum  0.01 300          64        2      -         0.002         -            false
mnist-conv-bn sign-symmetry momentum  0.01 -            64        2      -         1             -            false
cifar-conv-bn bp            momentum  0.01 -            64        3      -         1             -            true
cifar-conv-bn fa            momentum  0.01 300          64        3      fan-out   0.1           -            true
cifar-conv-bn dfa           momentum  0.01 300          64        3      -         0.3           positions    true
cifar-conv-bn mem-dfa       momentum  0.01 300          64        3      -         0.3           positions    true
cifar-conv-bn drtp          momentum  0.01 200          64        3      -         0.0005        -            true
cifar-conv-bn sign-symmetry momentum  0.01 -            64        3      -         1             -            true
deep-mlp-3    bp            momentum  0.01 -            64        2      -         1             -            false
deep-mlp-3    fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
deep-mlp-3    dfa           momentum  0.01 -            64        2      -         0.25          -            false
deep-mlp-3    mem-dfa       momentum  0.01 -            64        2      -         0.25          -            false
deep-mlp-3    drtp          momentum  0.01 -            64        2      -         0.002         -            false
deep-mlp-3    sign-symmetry momentum  0.01 -            64        2      -         1             -            false
long-fc-5     bp            momentum  0.01 -            64        1      -         1             -            false
long-fc-5     fa            momentum  0.01 -            64        1      -         1             -            false
long-fc-5     dfa           momentum  0.01 -            64        1      -         1             -            false
long-fc-5     mem-dfa       momentum  0.01 -            64        1      -         1             -            false
long-fc-5     drtp          momentum  0.01 -            64        1      -         1             -            false
long-fc-5     sign-symmetry momentum  0.01 -            64        1      -         1             -            false
long-conv-5   bp            momentum  0.01 -            64        1      -         1             -            false
long-conv-5   fa            momentum  0.01 -            64        1      -         1             -            false
long-conv-5   dfa           momentum  0.01 -            64        1      -         1             -            false
long-conv-5   mem-dfa       momentum  0.01 -            64        1      -         1             -            false
long-conv-5   drtp          momentum  0.01 -            64        1      -         1             -            false
long-conv-5   sign-symmetry momentum  0.01 -            64        1      -         1             -            false
spec:tanh     bp            momentum  0.01 -            64        2      -         1             -            false
spec:tanh     fa            momentum  0.01 -            64        2      fan-out   1             -            false
spec:tanh     dfa           momentum  0.01 -            64        2      he-normal 1             -            false
spec:tanh     mem-dfa       momentum  0.01 -            64        2      he-normal 1             -            false
spec:tanh     drtp          momentum  0.01 -            64        2      he-normal 1             -            false
spec:tanh     sign-symmetry momentum  0.01 -            64        2      -         1             -            false
spec:relu     bp            momentum  0.01 -            64        2      -         1             -            false
spec:relu     fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
spec:relu     dfa           momentum  0.01 -            64        2      -         0.25          -            false
spec:relu     mem-dfa       momentum  0.01 -            64        2      -         0.25          -            false
spec:relu     drtp          momentum  0.01 -            64        2      -         0.002         -            false
spec:relu     sign-symmetry momentum  0.01 -            64        2      -         1             -            false
spec:conv     bp            momentum  0.01 -            64        2      -         1             -            false
spec:conv     fa            momentum  0.01 -            64        2      fan-out   0.25          -            false
spec:conv     dfa           momentum  0.01 -            64        2      -         0.25          -            false
spec:conv     mem-dfa       momentum  0.01 -            64        2      -         0.25          -            false
spec:conv     drtp          momentum  0.01 -            64        2      -         0.002         -            false
spec:conv     sign-symmetry momentum  0.01 -            64        2      -         1             -            false
`;

const SPECS: Record<string, ModelSpec> = {
  tanh: { input: [4], layers: [{ type: 'dense', units: 3, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'sigmoid' }, { type: 'dense', units: 2 }] },
  relu: { input: [4], layers: [{ type: 'dense', units: 3, activation: 'relu' }, { type: 'dense', units: 2 }] },
  conv: { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3, activation: 'tanh' }, { type: 'dense', units: 2 }] },
};

function rows(): { model: string; rule: string; expected: Record<string, unknown> }[] {
  const [head, ...lines] = TABLE.trim().split('\n').map((l) => l.trim().split(/ +/));
  return lines.map(([model, rule, ...cells]) => {
    const expected: Record<string, unknown> = {};
    cells.forEach((c, i) => {
      if (c !== '-') expected[head![i + 2]!] = c === 'true' || c === 'false' ? c === 'true' : Number.isNaN(Number(c)) ? c : Number(c);
    });
    return { model: model!, rule: rule!, expected };
  });
}

function merged(model: string, rule: string): TrainDefaults {
  if (model.startsWith('spec:')) return trainDefaults(specDefaults(SPECS[model.slice(5)]!), rule);
  return trainDefaults(presetDefaults(model === '(none)' ? undefined : model), rule);
}

describe('trainDefaults', () => {
  it('gives every preset and model kind, for every rule, the numbers core merged before', () => {
    const table = rows();
    expect(table).toHaveLength(72);
    for (const { model, rule, expected } of table) expect({ model, rule, ...merged(model, rule) }).toStrictEqual({ model, rule, ...expected });
  });

  it('gives a rule without defaults for a kind, or outside the catalog, the preset\'s own, without the kind', () => {
    const { kind, ...cifar } = presetDefaults('cifar-conv');
    expect(kind).toBe('cifar-conv');
    expect(trainDefaults(presetDefaults('cifar-conv'), 'bp')).toStrictEqual(cifar);
    expect(trainDefaults(presetDefaults('cifar-conv'), 'no-such-rule')).toStrictEqual(cifar);
    expect(trainDefaults(presetDefaults('mnist-conv'), 'mem-dfa')).toStrictEqual(trainDefaults(presetDefaults('mnist-conv'), 'bp'));
  });

  it('reads the rule\'s own defaults from its descriptor, for the preset\'s kind only', () => {
    const drtp = RULES.find((r) => r.name === 'drtp')!;
    expect(drtp.defaults?.['cifar-conv']).toEqual({ feedbackScale: 0.0005, lrDecaySteps: 200 });
    expect(trainDefaults(presetDefaults('cifar-conv-bn'), 'drtp')).toMatchObject(drtp.defaults!['cifar-conv']!);
    expect(trainDefaults(presetDefaults('long-conv-5'), 'drtp')).toStrictEqual(trainDefaults(presetDefaults('long-conv-5'), 'bp'));
  });
});
