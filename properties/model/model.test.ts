// Laws of the whole model on the generator's own scenarios (src/generate): it runs every case,
// deterministically, counters never go negative, and a fresh schedule (no persistence) never
// lands on a dest whose weight was 0 in the table before it.
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
        sc.events.forEach((e, i) => {
          const step = a.steps[i]!;
          for (const s of step.table ?? []) {
            for (const d of s.dests) for (const v of [d.active, d.inactive, d.persistent]) expect(v).toBeGreaterThanOrEqual(0);
          }
          // These schedulers' services are TCP address services: the target is the service key.
          const svc = e.op === 'connect' ? a.steps[i - 1]?.table?.find((s) => s.svc === e.svc) : undefined;
          if (e.op === 'connect' && step.dest && svc && svc.persistent === undefined) {
            expect(svc.dests.find((d) => d.dest === step.dest)?.weight).toBeGreaterThan(0);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
