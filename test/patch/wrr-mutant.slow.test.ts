// wrr's init taking the weights' gcd as 1 (vm/examples/patches/wrr-init-gcd-one.patch) shows only
// when a live service with destinations is switched to wrr; the standard mix (every scheduler,
// svc-edit included) must catch it within 300 cases on the real 6.1 kernel, and every case it
// saves switches a service to wrr. The same run without the patch has no wrr divergence.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';
import { REPO_ROOT } from '../../src/patch/env.js';
import type { Summary } from '../../src/report/summary.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');
const PATCH = path.join(REPO_ROOT, 'vm/examples/patches/wrr-init-gcd-one.patch');
const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });
// Seed 6: a model with the mutant's init differs in cases 65, 87, 97, 126, 187 and 217 of 300.
const RUN = ['run', '--kernel', '6.1', '--cases', '300', '--seed', '6', '--jobs', '2', '--json'];

let reports: string;
beforeAll(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'patch-wrr-'));
});
afterAll(() => rm(reports, { recursive: true, force: true }));

const wrrFindings = (s: Summary) => s.findings.filter((f) => f.kind === 'divergence' && f.scheduler === 'wrr');

describe('wrr init with the gcd taken as 1, on kernel 6.1', () => {
  it(
    'is caught within 300 cases of the standard mix, in cases that switch a live service to wrr',
    async () => {
      const dir = path.join(reports, 'mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const found = wrrFindings(JSON.parse(r.stdout) as Summary);
      expect(found.length, r.all).toBeGreaterThan(0);
      for (const f of found) {
        const c = await loadCase(f.file);
        const at = c.verdict!.stepIndex;
        const switched = c.scenario.events.slice(0, at).some((e) => e.op === 'svc-edit' && e.scheduler === 'wrr');
        expect(switched, `${f.file}: no svc-edit to wrr before event ${at}`).toBe(true);
        // never a service created as wrr: the bug cannot show there
        expect(c.scenario.events.some((e) => e.op === 'svc-add' && e.scheduler === 'wrr'), f.file).toBe(false);
      }
    },
    1_800_000,
  );

  it(
    'and the same run on the unpatched kernel has no wrr divergence',
    async () => {
      const r = await cli(...RUN, '--report', path.join(reports, 'stock'));
      const s = JSON.parse(r.stdout) as Summary;
      expect(wrrFindings(s), r.all).toEqual([]);
      expect(s.totals.infra, r.all).toBe(0);
      // the only divergences the stock kernel shows are hprio's documented one
      expect(s.findings.filter((f) => f.scheduler !== 'hprio'), r.all).toEqual([]);
    },
    1_800_000,
  );
});
