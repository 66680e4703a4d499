import { describe, expect, it } from 'vitest';
import { describeParam, ignoredBy, logScale, paramFromFile, parseParamFlag, SWEEPABLE } from './space';

describe('--param NAME=VALUES', () => {
  it('reads lists as the train option reads its values, and ranges with their kind', () => {
    expect(parseParamFlag('lr=0.01, 0.03,0.1')).toEqual({ name: 'lr', kind: 'list', values: [0.01, 0.03, 0.1] });
    expect(parseParamFlag('optimizer=sgd,adam')).toEqual({ name: 'optimizer', kind: 'list', values: ['sgd', 'adam'] });
    expect(parseParamFlag('normalize=true,false')).toEqual({ name: 'normalize', kind: 'list', values: [true, false] });
    expect(parseParamFlag('feedback-scale=log:0.1:1')).toEqual({ name: 'feedback-scale', kind: 'log-uniform', min: 0.1, max: 1, integer: false });
    expect(parseParamFlag('lr=uniform:0.01:0.1')).toMatchObject({ kind: 'uniform', integer: false });
    expect(parseParamFlag('lr-decay-steps=log-int:100:1000')).toEqual({ name: 'lr-decay-steps', kind: 'log-uniform', min: 100, max: 1000, integer: true });
    // an int option's range is an integer range
    expect(parseParamFlag('batch-size=log:16:256')).toMatchObject({ kind: 'log-uniform', integer: true });
    expect(parseParamFlag('lr=0.1,0.1')).toMatchObject({ values: [0.1] });
  });

  it.each([
    ['lrr=0.1', /--param lrr: "lrr" is not an fbl train option \(did you mean "lr"\?\); fbl train --help lists them/],
    ['data-dir=/tmp', /--param data-dir: --data-dir cannot be swept: a path: give --data-dir to fbl sweep itself/],
    ['checkpoint-dir=/tmp', /cannot be swept: a path/],
    ['rule=bp,fa', /--rule cannot be swept: rules are swept with --rules/],
    ['seed=1,2', /give --seeds/],
    ['json=true', /--json cannot be swept: the cell runner sets it/],
    ['lr=fast', /--param lr: --lr must be a number; got "fast"/],
    ['batch-size=0,16', /--batch-size must be at least 1; got 0/],
    ['optimizer=adamw', /--optimizer must be one of sgd, momentum, adam; got "adamw"/],
    ['normalize=yes', /--normalize is a switch: give true, false or both/],
    ['lr=0.1,,0.2', /empty value/],
    ['lr', /--param takes NAME=VALUES/],
    ['=0.1', /--param takes NAME=VALUES/],
    ['lr=log:0:1', /a log-uniform range must be above 0/],
    ['lr=log:1:0.1', /lower end must be below its upper end/],
    ['lr=log:0.1', /a range has two ends/],
    ['batch-size=uniform:1.5:8', /--batch-size must be an integer/],
    ['lr-decay-steps=log-int:1.5:8', /an integer range needs integer ends/],
    ['optimizer=log:1:2', /--optimizer is not a number, so it has no range: list its values instead \(optimizer=sgd,momentum,adam\)/],
  ])('%s is refused', (text, message) => {
    expect(() => parseParamFlag(text)).toThrow(message);
  });

  it('leaves out of the sweepable options every path and every option the cell runner sets', () => {
    for (const k of ['data-dir', 'checkpoint-dir', 'resume', 'model', 'download', 'threads', 'epochs', 'seed', 'rule', 'preset', 'arch', 'dataset', 'limit', 'activation']) expect(SWEEPABLE).not.toContain(k);
    for (const k of ['lr', 'feedback-scale', 'batch-size', 'optimizer', 'lr-decay-steps', 'feedback', 'feedback-conv', 'normalize', 'on-diverge', 'drtp-schedule']) expect(SWEEPABLE).toContain(k);
  });
});

describe('params in a sweep file', () => {
  it('takes lists, single values, flag-syntax strings and range objects', () => {
    expect(paramFromFile('lr', [0.01, '0.1'], 'f.yaml')).toEqual({ name: 'lr', kind: 'list', values: [0.01, 0.1] });
    expect(paramFromFile('lr', 0.05, 'f.yaml')).toEqual({ name: 'lr', kind: 'list', values: [0.05] });
    expect(paramFromFile('lr', 'log:0.001:0.1', 'f.yaml')).toMatchObject({ kind: 'log-uniform', min: 0.001, max: 0.1 });
    expect(paramFromFile('lr', { 'log-uniform': [0.001, 0.1] }, 'f.yaml')).toMatchObject({ kind: 'log-uniform', min: 0.001, max: 0.1 });
    expect(paramFromFile('lr-decay-steps', { uniform: [100, 500], integer: true }, 'f.yaml')).toMatchObject({ kind: 'uniform', integer: true });
  });

  it.each([
    [{ 'log-uniform': [0.1, 1], integr: true }, /f\.yaml: params\.lr: unknown key "integr" \(did you mean "integer"\?\)/],
    [{ 'log-uniform': [0.1, 1], uniform: [0.1, 1] }, /exactly one of "log-uniform" and "uniform"/],
    [{ uniform: 0.1 }, /uniform takes \[MIN, MAX\]/],
    [[], /give at least one value/],
    [null, /give a list of values, a value or a range/],
    [[{ a: 1 }], /--lr takes a number/],
  ])('%j is refused', (raw, message) => {
    expect(() => paramFromFile('lr', raw, 'f.yaml')).toThrow(message);
  });
});

describe('describing and plotting a parameter', () => {
  it('says what it searches and whether its axis is logarithmic', () => {
    expect(describeParam(parseParamFlag('lr=0.01,0.1'))).toBe('lr ∈ {0.01, 0.1}');
    expect(describeParam(parseParamFlag('batch-size=uniform:16:128'))).toBe('batch-size ~ uniform integers [16, 128]');
    expect(logScale(parseParamFlag('lr=0.001,0.1'))).toBe(true);
    expect(logScale(parseParamFlag('lr=0.05,0.1'))).toBe(false);
    expect(logScale(parseParamFlag('lr=0.003,0.01,0.03'))).toBe(true);
    expect(logScale(parseParamFlag('lr=log:0.05:0.1'))).toBe(true);
    expect(logScale(parseParamFlag('lr=uniform:0.001:0.1'))).toBe(false);
    expect(logScale(parseParamFlag('optimizer=sgd,adam'))).toBe(false);
  });
});

describe('ignoredBy', () => {
  it('names the swept rule flags a rule does not take', () => {
    const space = ['lr=0.1', 'feedback-scale=0.1,0.3', 'drtp-schedule=per-block,at-end'].map(parseParamFlag);
    expect(ignoredBy('bp', space)).toEqual(['feedback-scale', 'drtp-schedule']);
    expect(ignoredBy('dfa', space)).toEqual(['drtp-schedule']);
    expect(ignoredBy('drtp', space)).toEqual([]);
  });
});
