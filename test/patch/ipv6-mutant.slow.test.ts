// The harness must bite in the IPv6 path of a hashing scheduler: a one-line bug planted in
// ip_vs_sh.c (vm/examples/patches/sh-ipv6-fold.patch: the IPv6 address folded from three of its
// four words, so the hosts of one /64 hash alike) is caught by a short sh run on the real 6.1
// kernel and shrunk to a small IPv6 case, while the same run on the unpatched kernel passes.
// Boots real guests (QEMU, TCG where KVM fails).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';
import { REPO_ROOT } from '../../src/patch/env.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');
const PATCH = path.join(REPO_ROOT, 'vm/examples/patches/sh-ipv6-fold.patch');
const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });
// Seed 1 with sh only: case 5 is an IPv6 service whose clients share a /64.
const RUN = ['run', '--kernel', '6.1', '--scheduler', 'sh', '--cases', '8', '--seed', '1', '--jobs', '2'];

let reports: string;
beforeAll(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'patch-ipv6-mutant-'));
});
afterAll(() => rm(reports, { recursive: true, force: true }));

describe('the IPv6 sh fold mutant on kernel 6.1', () => {
  it(
    'is caught: exit 1, a small IPv6 case whose connection goes elsewhere',
    async () => {
      const dir = path.join(reports, 'mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const files = (await readdir(path.join(dir, 'cases'))).filter((f) => f.endsWith('.yaml'));
      const cases = await Promise.all(files.map((f) => loadCase(path.join(dir, 'cases', f))));
      const smallest = cases.sort((a, b) => a.scenario.events.length - b.scenario.events.length)[0]!;
      expect(smallest.scenario.events.length).toBeLessThanOrEqual(6);
      expect(smallest.scenario.events.every((e) => !('svc' in e) || e.svc.startsWith('['))).toBe(true);
      expect(smallest.verdict?.what).toBe('dest');
    },
    900_000,
  );

  it(
    'and the same run on the unpatched kernel passes (exit 0)',
    async () => {
      const r = await cli(...RUN, '--report', path.join(reports, 'stock'));
      expect(r.exitCode, r.all).toBe(0);
    },
    600_000,
  );
});
