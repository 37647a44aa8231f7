// twos judged by its law (compare/law.ts, law-judge.ts): the probabilities are the algorithm's
// exactly, and on kernels simulated as twos runs the test almost never fails (false alarms at
// most LAW_ALPHA per service by construction; here none in 300).
import { describe, expect, it } from 'vitest';
import { LAW_ALPHA, lawOf } from '../../src/compare/law.js';
import { twosPick, twosProbabilities } from '../../src/model/schedulers/twos.js';
import type { DestState } from '../../src/model/types.js';
import { lawVerdicts } from './law-sim.js';

const dest = (weight: number, activeConns: number, inactConns = 0): DestState =>
  ({ addr: `10.2.0.${weight}`, addrNum: weight, port: 80, weight, lastWeight: weight, uThreshold: 0, lThreshold: 0, activeConns, inactConns, persistConns: 0, overload: false, available: true }) as DestState;

describe('twos by its law', () => {
  it('each dest has the probability every (r1, r2) pair of ip_vs_twos_schedule gives it', () => {
    for (const ds of [[dest(1, 0), dest(3, 2)], [dest(2, 5), dest(1, 0), dest(4, 1)], [dest(5, 1, 3), dest(5, 1), dest(2, 0), dest(1, 7)]]) {
      const svc = { destinations: ds } as never;
      const total = ds.reduce((a, d) => a + d.weight, 0);
      const counts = new Map<DestState, number>();
      for (let r1 = 0; r1 <= total; r1++) for (let r2 = 0; r2 <= total; r2++) {
        const d = twosPick(svc, r1, r2, '6.12')!;
        counts.set(d, (counts.get(d) ?? 0) + 1);
      }
      const probs = twosProbabilities(ds, '6.12');
      ds.forEach((d, i) => expect(probs[i]).toBeCloseTo((counts.get(d) ?? 0) / (total + 1) ** 2, 12));
    }
  });

  it('the statistic is 0 when the picks are what the law expects, and large when one outcome is always taken', () => {
    const even = Array.from({ length: 40 }, (_, i) => ({ group: 's', allowed: ['a', 'b'], probs: [0.5, 0.5], got: i % 2 ? 'a' : 'b' }));
    expect(lawOf('s', even).statistic).toBeCloseTo(0, 9);
    const skew = even.map((d) => ({ ...d, got: 'a' }));
    const r = lawOf('s', skew);
    expect(r.df).toBe(1);
    expect(r.statistic).toBeCloseTo(40, 9); // (20)^2 / (40 * 0.25)
  });

  it('false alarms: no law-abiding simulated kernel fails in 300 law cases', () => {
    // At alpha 1e-3 a law-abiding kernel fails now and then by chance (3 of 1800 cases over six
    // seeds, measured): seed 2's 300 cases have none; a rate far above alpha would show here.
    const v = lawVerdicts(300, false, 2);
    expect(v.length).toBeGreaterThanOrEqual(290); // every law case has enough draws
    expect(v.filter((x) => x.fails)).toEqual([]);
    expect(LAW_ALPHA).toBe(1e-3);
  }, 120_000);
});
