// The harness must bite: a one-character off-by-one planted in ip_vs_wlc.c
// (vm/examples/patches/wlc-tie-off-by-one.patch) is caught by a short run on the real 6.1 kernel,
// shrunk to a small case that records the patch by content hash and replays with one command,
// while the same run on the unpatched kernel passes. Boots real guests (QEMU, TCG where KVM fails).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/patch/parse.js';
import { cli, examplePatch, savedCases, useReports } from '../helpers/mutant-run.js';

const PATCH = examplePatch('wlc-tie-off-by-one.patch');
const RUN = ['run', '--scheduler', 'wlc', '--kernel', '6.1', '--cases', '8', '--seed', '1', '--jobs', '2'];

const reports = useReports('patch-mutant-');

describe('the wlc off-by-one mutant on kernel 6.1', () => {
  it(
    'is caught: exit 1, a minimal saved case naming the patch by content hash, which replays',
    async () => {
      const dir = reports.dir('mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const cases = await savedCases(dir);
      expect(cases.length).toBeGreaterThan(0);
      const smallest = cases.sort((a, b) => a.c.scenario.events.length - b.c.scenario.events.length)[0]!;
      // svc-add, two dest-adds and a connect are enough to show the tie going the wrong way.
      expect(smallest.c.scenario.events.length).toBeLessThanOrEqual(5);
      expect(smallest.c.finding).toBe('divergence');
      expect(smallest.c.build?.patches).toEqual([contentHash(await readFile(PATCH))]);

      // Without the patch the case was found on another build: refused before any guest boots.
      const refused = await cli('replay', smallest.file);
      expect(refused.exitCode, refused.all).toBe(2);
      expect(refused.all).toMatch(/patches/);
      // With it, the same divergence again.
      const again = await cli('replay', smallest.file, '--patch', PATCH);
      expect(again.exitCode, again.all).toBe(1);
    },
    900_000,
  );

  it(
    'and the same run on the unpatched kernel passes (exit 0)',
    async () => {
      const r = await cli(...RUN, '--report', reports.dir('stock'));
      expect(r.exitCode, r.all).toBe(0);
    },
    600_000,
  );
});
