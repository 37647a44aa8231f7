// hprio's purpose (the 2005 patch): when every dest of the main pool hits its upper threshold,
// traffic fails over at once to the lower-weight spillover pool, and comes back when the main
// pool's connections close. Run end to end through runModel, on both kernels' accounting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runModel } from '../../src/model/index.js';
import type { Event } from '../../src/scenario.js';

const SVC = '10.0.0.1:80';

describe('hprio failover', () => {
  it('main pool until every main dest holds u connections, then spillover only, then main again', () => {
    fc.assert(
      fc.property(
        fc.record({
          main: fc.integer({ min: 1, max: 4 }),
          spill: fc.integer({ min: 1, max: 3 }),
          high: fc.integer({ min: 2, max: 10 }),
          low: fc.integer({ min: 1, max: 9 }),
          upper: fc.integer({ min: 1, max: 5 }),
          lowerFrac: fc.integer({ min: 0, max: 100 }),
          extra: fc.integer({ min: 1, max: 6 }),
          semantics: fc.constantFrom('6.1' as const, '6.12' as const),
        }),
        ({ main, spill, high, low, upper, lowerFrac, extra, semantics }) => {
          fc.pre(low < high);
          const lower = Math.floor((upper * lowerFrac) / 100);
          const events: Event[] = [{ op: 'svc-add', svc: SVC, scheduler: 'hprio' }];
          for (let i = 1; i <= spill; i++) events.push({ op: 'dest-add', svc: SVC, dest: `10.2.1.${i}:80`, weight: low, upper: 0, lower: 0 });
          for (let i = 1; i <= main; i++) events.push({ op: 'dest-add', svc: SVC, dest: `10.2.0.${i}:80`, weight: high, upper, lower });
          let n = 0;
          const connect = () => events.push({ op: 'connect', conn: `c${++n}`, svc: SVC, client: `10.1.0.${n}`, cport: 40000 + n });
          const mainConns = main * upper;
          for (let i = 0; i < mainConns + extra; i++) connect();
          for (let c = 1; c <= n; c++) events.push({ op: 'rst', conn: `c${c}` });
          events.push({ op: 'wait', ms: 12_000 });
          connect();
          const obs = runModel({ version: 1, events }, { semantics });
          const dests = obs.steps.filter((s) => s.dest !== undefined).map((s) => s.dest!);
          expect(obs.steps.every((s) => s.indeterminate === undefined)).toBe(true);
          expect(dests.slice(0, mainConns).every((d) => d.startsWith('10.2.0.'))).toBe(true);
          expect(dests.slice(mainConns, mainConns + extra).every((d) => d.startsWith('10.2.1.'))).toBe(true);
          expect(dests[dests.length - 1]!.startsWith('10.2.0.')).toBe(true);
        },
      ),
    );
  });
});
