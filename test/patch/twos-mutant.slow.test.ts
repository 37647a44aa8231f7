// twos that always takes its first candidate (vm/examples/patches/twos-always-first.patch) picks
// only what twos may pick, so membership alone passes it; its law (compare/law.ts) does not.
// The standard mix on the real 6.12 kernel (twos's law cases among it) must catch it, as a 'law'
// difference, and the same run without the patch must not.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/patch/env.js';
import type { Summary } from '../../src/report/summary.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');
const PATCH = path.join(REPO_ROOT, 'vm/examples/patches/twos-always-first.patch');
const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });
// Seed 96, 14 cases: cases 1, 9, 10, 12 and 13 are twos law cases (one twos service, 100-140
// connects), the most of any seed 1-400 in its first 20. On the model standing in for the mutant,
// each fails the law in 8 to 10 of 10 simulated runs (83% over law cases,
// test/compare/law-power.slow.test.ts), so all five passing has odds near 0.17^5, about 1e-4.
const RUN = ['run', '--kernel', '6.12', '--cases', '14', '--seed', '96', '--jobs', '2', '--json'];

let reports: string;
beforeAll(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'patch-twos-'));
});
afterAll(() => rm(reports, { recursive: true, force: true }));

const lawFindings = (s: Summary) => s.findings.filter((f) => f.kind === 'divergence' && f.what === 'law');

describe('twos always taking its first candidate, on kernel 6.12', () => {
  it(
    'is caught by its law',
    async () => {
      const r = await cli(...RUN, '--patch', PATCH, '--report', path.join(reports, 'mutant'));
      expect(r.exitCode, r.all).toBe(1);
      const found = lawFindings(JSON.parse(r.stdout) as Summary);
      expect(found.length, r.all).toBeGreaterThan(0);
      expect(found.every((f) => f.scheduler === 'twos')).toBe(true);
    },
    1_800_000,
  );

  it(
    'and the same run on the unpatched kernel passes the law',
    async () => {
      const r = await cli(...RUN, '--report', path.join(reports, 'stock'));
      const s = JSON.parse(r.stdout) as Summary;
      expect(lawFindings(s), r.all).toEqual([]);
      expect(s.findings.filter((f) => f.scheduler !== 'hprio'), r.all).toEqual([]);
    },
    1_800_000,
  );
});
