// Maglev table balance (ip_vs_mh_populate): every round each dest with turns >= 1 claims exactly
// `turns` slots until the 4093 are full, so a dest holds between turns * R and turns * (R + 1)
// slots, R = floor(4093 / sum of turns); with weights below 64 * gcd (no shift) that is the
// weight's share of the table to within one round. turns are worked out here from the C
// (ip_vs_mh_gcd_weight, ip_vs_mh_shift_weight, ip_vs_mh_permutate), not from the model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MH_TAB_SIZE, mh, mhLookup } from '../../src/model/schedulers/mh.js';
import { mkDest, mkService } from '../../test/model/schedulers/hash-fixtures.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

describe('mh table balance', () => {
  it('gives each dest its turns per round', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 8 }), (weights) => {
        const dests = weights.map((w, i) => mkDest(`10.2.${i}.${i + 1}`, { weight: w }));
        const svc = mkService(mh, dests.slice());
        const table = mhLookup(svc);
        const positive = weights.filter((w) => w > 0);
        if (positive.length === 0) {
          expect(table.every((d) => d === null)).toBe(true);
          return;
        }
        const g = positive.reduce(gcd);
        const mw = Math.max(...weights) / g;
        const shift = Math.max(0, 32 - Math.clz32(mw) - 6);
        const turns = weights.map((w) => ((w / g) >> shift) || (w !== 0 ? 1 : 0));
        const sum = turns.reduce((s, t) => s + t, 0);
        const rounds = Math.floor(MH_TAB_SIZE / sum);
        dests.forEach((d, i) => {
          const n = table.filter((x) => x === d).length;
          expect(n).toBeGreaterThanOrEqual(turns[i]! * rounds);
          expect(n).toBeLessThanOrEqual(turns[i]! * (rounds + 1));
          if (shift === 0) {
            const share = (MH_TAB_SIZE * weights[i]!) / positive.reduce((s, w) => s + w, 0);
            expect(Math.abs(n - share)).toBeLessThanOrEqual(turns[i]! + 1);
          }
        });
        expect(table.includes(null)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
