import { listPresets, presetSpec, size } from '@feedback-lab/core';
import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS, parsePreset } from './presets';

// The page lists core's presets without importing core (tfjs): its table must say what core builds.
describe("the page's model presets", () => {
  const named = MODEL_PRESETS.filter((p) => !p.arch);

  it("offer every preset of core's", () => {
    const base = (name: string) => name.replace(/(\[-<L>\]|-<L>)$/, '');
    expect(named.map((p) => p.id).sort()).toEqual(listPresets().map((p) => base(p.name)).sort());
  });

  it.each(named)("$id: activation, input size and default depth as core's presetSpec builds it", (p) => {
    const spec = presetSpec(p.depth === undefined ? p.id : `${p.id}-${p.depth}`);
    const hidden = new Set(spec.layers.slice(0, -1).map((l) => l.activation).filter((a) => a !== 'linear'));
    expect([...hidden]).toEqual([p.activation]);
    if (typeof p.input === 'number') expect(size(spec.input)).toBe(p.input);
    if (p.depth !== undefined) expect(spec.layers.length).toBe(p.depth + 1);
    // a depth preset without L is core's default depth where core has one
    if (p.depth !== undefined && p.id.startsWith('long-')) expect(presetSpec(p.id).layers.length).toBe(p.depth + 1);
  });

  it('reads preset names and depths from the widths field', () => {
    expect(parsePreset('long-fc')).toMatchObject({ name: 'long-fc-30', depth: 30, preset: { id: 'long-fc' } });
    expect(parsePreset(' long-conv-12 ')).toMatchObject({ name: 'long-conv-12', depth: 12, preset: { id: 'long-conv' } });
    expect(parsePreset('mnist-conv-bn')).toMatchObject({ name: 'mnist-conv-bn', preset: { id: 'mnist-conv-bn' } });
    expect(parsePreset('long-fc-0')).toEqual({ error: 'long-fc depth must be 1 to 1000, got 0' });
    expect(parsePreset('long-fc-1001')).toEqual({ error: 'long-fc depth must be 1 to 1000, got 1001' });
    for (const s of ['long-fc-x', 'mnist-conv-3', '784-800-10', '']) expect(parsePreset(s)).toBeUndefined();
  });
});
