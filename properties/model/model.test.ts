// Laws of the whole model on the generator's own scenarios (src/generate): it runs every case,
// deterministically, counters never go negative, and a fresh schedule (no persistence, a client
// port not used before) never lands on a dest whose weight was 0 in the table before it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioArb } from '../../src/generate/index.js';
import { runModel } from '../../src/model/index.js';

const MINE = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'fo', 'ovf', 'hprio'];

describe('runModel on generated scenarios', () => {
  it('deterministic, non-negative counters, no weight-0 pick without persistence', () => {
    fc.assert(
      fc.property(scenarioArb({ schedulers: MINE, waits: true }), fc.constantFrom('6.1' as const, '6.12' as const), (sc, semantics) => {
        const a = runModel(sc, { semantics });
        const b = runModel(sc, { semantics });
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        const used = new Set<string>(); // client address:port pairs connected from already
        sc.events.forEach((e, i) => {
          const step = a.steps[i]!;
          for (const s of step.table ?? []) {
            for (const d of s.dests) for (const v of [d.active, d.inactive, d.persistent]) expect(v).toBeGreaterThanOrEqual(0);
          }
          // These schedulers' services are TCP address services: the target is the service key.
          const svc = e.op === 'connect' ? a.steps[i - 1]?.table?.find((s) => s.svc === e.svc) : undefined;
          // A port used again may go into its old entry (a deleted dest's, in the trash): not a fresh schedule.
          const reused = e.op === 'connect' && used.has(`${e.client}:${e.cport}`);
          if (e.op === 'connect') used.add(`${e.client}:${e.cport}`);
          if (e.op === 'connect' && !reused && step.dest && svc && svc.persistent === undefined) {
            expect(svc.dests.find((d) => d.dest === step.dest)?.weight).toBeGreaterThan(0);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
