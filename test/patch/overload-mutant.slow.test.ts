// The lifecycle must bite too: vm/examples/patches/unbind-overload-half.patch makes
// ip_vs_unbind_dest() clear OVERLOAD at 2/4 of the upper threshold instead of 3/4 (6.1.176's
// rule), a mistake only expiring connections show. The standard mix catches it within 300 cases:
// with the model standing in for both kernels, 39 of 40 seeds tell the two apart within 300
// cases, half of them within 90 (README). Here seed 8, whose case 3 (wrr: an upper threshold of a
// persistent service, connections expiring on their timers) is the first that does, predicted on
// the model with the rule mutated: four cases on the real 6.1 kernel with the patch (caught), and
// the same four on the unpatched kernel (they agree).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/patch/parse.js';
import { cli, examplePatch, savedCases, useReports } from '../helpers/mutant-run.js';

const PATCH = examplePatch('unbind-overload-half.patch');
const RUN = ['run', '--kernel', '6.1', '--cases', '4', '--seed', '8', '--jobs', '2'];

const reports = useReports('overload-mutant-');

describe('the OVERLOAD 2/4 mutant on kernel 6.1', () => {
  it(
    'is caught by the standard mix: exit 1, a saved case naming the patch, with connections expiring on their timers, which replays',
    async () => {
      const dir = reports.dir('mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const saved = await savedCases(dir);
      expect(saved.length).toBeGreaterThan(0);
      const { file, c } = saved[0]!;
      expect(c.finding).toBe('divergence');
      expect(c.build?.patches).toEqual([contentHash(await readFile(PATCH))]);
      // what shows it: an upper threshold, connections expiring on their timers (an unbind: guest
      // time passed, by a wait or by a silent server's connect timing out), and the model clearing
      // OVERLOAD by the 3/4 rule where the patched kernel keeps it
      expect(c.scenario.events.some((e) => (e.op === 'dest-add' || e.op === 'dest-edit') && e.upper > 0)).toBe(true);
      expect(c.observed?.model?.reached?.unbind, JSON.stringify(c.scenario.events)).toBeGreaterThan(0);
      expect(c.observed?.model?.reached?.['overload-clear:3/4'], JSON.stringify(c.scenario.events)).toBeGreaterThan(0);
      console.log(`caught: ${path.basename(file)}, ${c.scenario.events.length} events: ${c.scenario.events.map((e) => e.op).join(' ')}`);
      const again = await cli('replay', file, '--patch', PATCH);
      expect(again.exitCode, again.all).toBe(1);
    },
    1_200_000,
  );

  it(
    'and the same cases on the unpatched kernel agree (exit 0)',
    async () => {
      const r = await cli(...RUN, '--report', reports.dir('stock'));
      expect(r.exitCode, r.all).toBe(0);
    },
    900_000,
  );
});
