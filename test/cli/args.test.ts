import { describe, expect, it } from 'vitest';
import { durationArg, listArg, oneOf, positiveInt, seedArg, shardArg } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';

describe('option parsers', () => {
  it('reads durations, and says what it expected otherwise', () => {
    expect(durationArg('--time-budget', '90s')).toBe(90_000);
    expect(durationArg('--time-budget', '1h30m')).toBe(5_400_000);
    expect(durationArg('--time-budget', '250ms')).toBe(250);
    expect(durationArg('--time-budget', '45')).toBe(45_000);
    expect(durationArg('--time-budget', undefined)).toBeUndefined();
    for (const bad of ['10x', 'm', '1h 2m', '0s', '']) {
      expect(() => durationArg('--time-budget', bad)).toThrow(UsageError);
    }
    expect(() => durationArg('--time-budget', 'soon')).toThrow('Expected `--time-budget` to be a duration like 90s, 10m or 1h30m, got `soon`');
  });

  it('reads shards i/n with 0 <= i < n', () => {
    expect(shardArg('0/4')).toEqual({ index: 0, count: 4 });
    expect(shardArg('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1/0', '1', 'a/b', '-1/2']) expect(() => shardArg(bad)).toThrow(/Expected `--shard` to be i\/n/);
  });

  it('reads positive integers and seeds', () => {
    expect(positiveInt('--jobs', undefined, 2)).toBe(2);
    expect(positiveInt('--jobs', '3', 2)).toBe(3);
    expect(() => positiveInt('--jobs', '0', 2)).toThrow('Expected `--jobs` to be a positive integer, got `0`');
    expect(() => positiveInt('--jobs', '1.5', 2)).toThrow(UsageError);
    expect(seedArg('-5')).toBe(-5);
    expect(seedArg(String(2 ** 32 + 7))).toBe(7);
    expect(() => seedArg('x')).toThrow('Expected `--seed` to be an integer, got `x`');
  });

  it('lists the valid values of a closed set', () => {
    expect(oneOf('--backend', undefined, ['qemu', 'docker'], 'qemu')).toBe('qemu');
    expect(() => oneOf('--backend', 'lxc', ['qemu', 'docker'], 'qemu')).toThrow('Expected `--backend` to be one of qemu, docker, got `lxc`');
  });

  it('reads lists typed as lists, repeated flags, or both', () => {
    expect(listArg('--scheduler', ['rr,wrr'])).toEqual(['rr', 'wrr']);
    expect(listArg('--kernel', ['6.1', '6.12'])).toEqual(['6.1', '6.12']);
    expect(listArg('--scheduler', ['rr, wrr', 'lc', 'rr'])).toEqual(['rr', 'wrr', 'lc']);
    expect(listArg('--kernel', undefined)).toEqual([]);
    expect(() => listArg('--scheduler', ['rr,,wrr'])).toThrow('Expected `--scheduler` to be a name or a comma-separated list of names (e.g. rr,wrr), got `rr,,wrr`');
  });
});
