// The CLI as users meet it: through bin/ipvs-conform.mjs, with exit codes and messages that say
// what was expected and how to fix it. None of these boot a guest.
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');
const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1' } });

describe('ipvs-conform CLI', () => {
  it('prints help with an example for each subcommand', async () => {
    for (const sub of ['run', 'replay', 'check', 'report', 'vm', 'golden', 'kernels']) {
      const r = await cli(sub, '--help');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ipvs-conform ${sub}`));
      expect(r.stdout).toMatch(new RegExp(`Examples?:\\n  ipvs-conform ${sub} `));
    }
  }, 60_000);

  it.each([
    [['run', '--jobs', '0'], /Expected `--jobs` to be a positive integer, got `0`/],
    [['run', '--scheduler', 'foo'], /Expected `--scheduler` to be one of rr, wrr, .*twos, got `foo`/],
    [['run', '--scheduler', 'rr,foo'], /Expected `--scheduler` to be one of rr, wrr, .*twos, got `foo`/],
    [['run', '--case', '3'], /Expected `--seed` with `--case`/],
    [['run', '--case', 'x', '--seed', '1'], /Expected `--case` to be a case index/],
    [['run', '--case', '4', '--seed', '1', '--shard', '1/4'], /Expected `--case` to be a case of shard 1\/4 .*got `4`. Fix: drop --shard/],
    [['run', '--kernel', '6.1,5.4'], /Expected `--kernel` to be one of 6\.1, 6\.12/],
    [['run', '--kernel', '5.4'], /Expected `--kernel` to be one of 6\.1, 6\.12/],
    [['run', '--shard', '3/3', '--seed', '1'], /Expected `--shard` to be i\/n with 0 <= i < n/],
    [['run', '--shard', '0/3'], /Expected `--seed` with `--shard`/],
    [['run', '--backend', 'lxc'], /Expected `--backend` to be one of qemu, docker, got `lxc`/],
    [['run', '--nope'], /Unknown option '--nope'/],
    [['frobnicate'], /Expected a command \(run, replay, check, report, vm, golden, kernels\), got `frobnicate`/],
    [['report', 'merge'], /Expected at least one report directory/],
    [['run', '--jobs', '2', '--jobs', '3'], /Expected `--jobs` to be given once, got `--jobs 2 --jobs 3`. Fix: keep one of them/],
    [['run', '--jobs', '-1'], /Expected `--jobs` to be a positive integer, got `-1`. Fix: write it as in `--jobs 2`/],
    [['run', '--patch', 'no-such.patch'], /Expected `--patch` to be a file that exists, got `no-such.patch`. Fix: check the path/],
    [['run', '--module', 'no-such-dir'], /Expected `--module` to be a directory that exists, got `no-such-dir`/],
    [['run', '--report', 'package.json'], /Expected `--report` to be a directory to write into \(made if missing\), got `package.json`. Fix: it is a file/],
    [['check', 'x.yaml', '--patch', 'src'], /Expected `--patch` to be a file, not a directory, got `src`/],
    [['check', 'x.yaml', '--save', 'no-such-dir/c.yaml'], /Expected `--save` to be a file in a directory that exists.*Fix: make the directory first/],
    [['check'], /Expected one scenario file, got none. Fix: ipvs-conform check FILE.yaml/],
    [['replay', 'x.yaml', '--module', 'package.json'], /Expected `--module` to be a directory, not a file, got `package.json`/],
    [['golden', '--check', '--jobs', '0'], /Expected `--jobs` to be a positive integer, got `0`/],
    [['golden', '--check', '--scheduler', 'foo'], /Expected `--scheduler` to be one of rr, .*got `foo`/],
    [['golden'], /Expected exactly one of `--update` or `--check`, got neither. Fix:/],
    [['golden', '--check', '--bogus'], /Unknown option '--bogus': expected one of --update/],
    [['golden', '--diff', '6.1', '6.12', '--patch', 'no-such.patch'], /Expected `--patch` to be a file that exists/],
    [['report', 'merge', 'a', '--out', 'package.json'], /Expected `--out` to be a directory to write into/],
    [['vm', 'frob'], /Expected `vm build` or `vm smoke`, got `vm frob`. Fix:/],
    [['golden', '--check', '--kernel', 'debian:latest-6.1'], /golden --update and --check use the corpus of the pinned kernels \(6\.1, 6\.12\).*golden --diff 6\.1 debian:latest-6\.1/],
    [['golden', '--diff', '6.1'], /Expected two kernels after `golden --diff`.*got 1: 6\.1/],
    [['run', '--kernel', 'tree:/nonexistent'], /tree:\/nonexistent: Makefile is missing/],
    [['run', '--kernel', 'debian:5.10.1-1'], /known stream \(6\.1, 6\.12\)/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await cli(...args);
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(2);
  }, 30_000);

  it('replay reports a hand-broken case file precisely and does not crash', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-cli-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'format: 1\nfinding: divergence\nkernel: {name: "6.1"}\nsemantics: "6.1"\nbackend: qemu\nscheduler: rr\ngenerator: {runSeed: 1, caseIndex: 0, caseSeed: 1, schedulers: [rr]}\nscenario:\n  version: 1\n  events:\n    - {op: svc-add, svc: "10.0.0.1:80", scheduler: rr}\n    - {op: dest-add, svc: "10.0.0.1:80", dest: "10.2.0.1:80", weight: -3, upper: 0, lower: 0}\n');
    const r = await cli('replay', file);
    expect(r.stderr).toContain(`${file}: scenario.events[1].weight: expected an integer weight 0..2147483647, got -3`);
    expect(r.exitCode).toBe(2);
  }, 30_000);

  it('check refuses a hand-written scenario with a missing field: file, field, expected, got, fix (exit 2, no guest)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-cli-'));
    const file = path.join(dir, 'mine.yaml');
    await writeFile(file, 'events:\n  - {op: svc-add, svc: 10.0.0.1:80, scheduler: hprio}\n  - {op: dest-add, dest: 10.2.0.1:80, upper: 50}\n');
    const r = await cli('check', file);
    expect(r.stderr).toContain(`${file}: events[1].weight: expected an integer weight 0..2147483647, got nothing (the field is missing). Fix: add \`weight:\``);
    expect(r.exitCode).toBe(2);
  }, 30_000);
});
