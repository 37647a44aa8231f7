import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationArg, existingDir, existingFile, listArg, oneOf, outputDir, outputFile, parse, positiveInt, seedArg, shardArg } from '../../src/cli/args.js';
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

describe('parse and the path flags', () => {
  const OPTIONS = { jobs: { type: 'string' }, seed: { type: 'string' }, kernel: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

  it('refuses a single-valued flag given twice, naming both, and keeps repeatable ones', () => {
    expect(() => parse(['--jobs', '2', '--jobs', '3'], OPTIONS, 'run')).toThrow('Expected `--jobs` to be given once, got `--jobs 2 --jobs 3`. Fix: keep one of them');
    expect(parse(['--kernel', '6.1', '--kernel', '6.12'], OPTIONS, 'run').values.kernel).toEqual(['6.1', '6.12']);
  });

  it('reads a negative number as the value it is, so its own check answers', () => {
    expect(parse(['--seed', '-5'], OPTIONS, 'run').values.seed).toBe('-5');
    const { values } = parse(['--jobs', '-1'], OPTIONS, 'run');
    expect(() => positiveInt('--jobs', values.jobs, 1)).toThrow('Expected `--jobs` to be a positive integer, got `-1`. Fix: write it as in `--jobs 2`');
  });

  it("says parseArgs' own errors as expected, got and fix", () => {
    expect(() => parse(['--nope'], OPTIONS, 'run')).toThrow("Unknown option '--nope': expected one of --jobs, --seed, --kernel, --json, got `--nope`. Fix: drop it or correct its spelling; see `ipvs-conform run --help`");
    expect(() => parse(['extra'], OPTIONS, 'run')).toThrow('Expected only options after `ipvs-conform run`, got `extra`. Fix:');
    expect(() => parse(['--jobs'], OPTIONS, 'run')).toThrow('Expected `--jobs` to be followed by a value, got nothing. Fix: write it as in `--jobs 2`');
    expect(() => parse(['--json=yes'], OPTIONS, 'run')).toThrow('Expected `--json` alone (a switch, it takes no value), got a value. Fix: write `--json`');
  });

  it('checks files and directories read or written before anything starts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-args-'));
    const file = path.join(dir, 'fix.patch');
    await writeFile(file, '');
    expect(existingFile('--patch', file)).toBe(file);
    expect(() => existingFile('--patch', path.join(dir, 'none.patch'))).toThrow(/Expected `--patch` to be a file that exists, got `.*none\.patch`. Fix: check the path/);
    expect(() => existingFile('--patch', dir)).toThrow('to be a file, not a directory');
    expect(existingDir('--module', dir)).toBe(dir);
    expect(() => existingDir('--module', path.join(dir, 'nomod'))).toThrow('Expected `--module` to be a directory that exists');
    expect(() => existingDir('--module', file)).toThrow('to be a directory, not a file');
    expect(outputDir('--report', path.join(dir, 'new', 'deeper'))).toBe(path.join(dir, 'new', 'deeper'));
    expect(() => outputDir('--report', path.join(file, 'sub'))).toThrow(`Expected \`--report\` to be a directory to write into (made if missing), got \`${path.join(file, 'sub')}\`. Fix: ${file} is a file`);
    expect(outputFile('--save', path.join(dir, 'case.yaml'))).toBe(path.join(dir, 'case.yaml'));
    expect(() => outputFile('--save', dir)).toThrow('to be a file to write, not a directory');
    expect(() => outputFile('--save', path.join(dir, 'no', 'case.yaml'))).toThrow('to be a file in a directory that exists, got');
  });
});
