// ip_vs_twos.c: two weighted random picks (rweight = get_random_u32_below(total + 1), the first
// eligible dest whose running sum reaches it), then the one with lower overhead / weight. The
// model answers the set of dests the kernel may pick; twosPick is the literal port, used here to
// check that set against every possible pair of random values.
import { describe, expect, it } from 'vitest';
import { twos, twosEligible, twosPick } from '../../../src/model/schedulers/twos.js';
import type { DestState, ServiceState } from '../../../src/model/types.js';
import { mkDest, mkService, pkt } from './hash-fixtures.js';
import { standaloneContext } from '../../../src/model/context.js';

function everyPick(svc: ServiceState, semantics: '6.1' | '6.12' = '6.12'): Set<DestState | null> {
  const total = twosEligible(svc).reduce((s, d) => s + d.weight, 0);
  const out = new Set<DestState | null>();
  for (let r1 = 0; r1 <= total; r1++) for (let r2 = 0; r2 <= total; r2++) out.add(twosPick(svc, r1, r2, semantics));
  return out;
}

describe('twos (ip_vs_twos.c)', () => {
  it('picks by running weight sums: r in [0, w1] is the first dest, then (w1, w1 + w2] the second', () => {
    const a = mkDest('10.2.0.1', { weight: 2 });
    const b = mkDest('10.2.0.2', { weight: 3 });
    const svc = mkService(twos, [a, b]);
    // equal loads: the first pick wins ties
    expect(twosPick(svc, 0, 0, '6.12')).toBe(a);
    expect(twosPick(svc, 2, 5, '6.12')).toBe(a);
    expect(twosPick(svc, 3, 0, '6.12')).toBe(b);
    // the second pick wins when weight2 * overhead1 > weight1 * overhead2
    a.activeConns = 1; // 6.12: 257
    expect(twosPick(svc, 0, 3, '6.12')).toBe(b); // 3 * 257 > 2 * 0
    expect(twosPick(svc, 0, 0, '6.12')).toBe(a); // both picks on A
  });

  it('allows every eligible dest, the most loaded too: both picks may land on it', () => {
    const a = mkDest('10.2.0.1', { weight: 1, activeConns: 50 });
    const b = mkDest('10.2.0.2', { weight: 5 });
    const c = mkDest('10.2.0.3', { weight: 2 });
    const svc = mkService(twos, [a, b, c]);
    const d = twos.schedule(svc, pkt('10.1.0.1'), standaloneContext('6.12'));
    expect(d).toMatchObject({ kind: 'any', dests: [a, b, c] });
    expect(everyPick(svc)).toEqual(new Set([a, b, c]));
  });

  it('never allows weight 0 or OVERLOAD (the first loop and the pick loop skip them)', () => {
    const a = mkDest('10.2.0.1', { weight: 0 });
    const b = mkDest('10.2.0.2', { overload: true });
    const c = mkDest('10.2.0.3', { weight: 4 });
    const e = mkDest('10.2.0.4', { weight: 1, activeConns: 9 });
    const svc = mkService(twos, [a, b, c, e]);
    const d = twos.schedule(svc, pkt('10.1.0.1'), standaloneContext('6.1'));
    expect(d).toMatchObject({ kind: 'any', dests: [c, e] });
    expect(everyPick(svc, '6.1')).toEqual(new Set([c, e]));
  });

  it('is deterministic with one eligible dest, and gives no destination with none', () => {
    const a = mkDest('10.2.0.1', { weight: 0 });
    const b = mkDest('10.2.0.2', { weight: 3 });
    const svc = mkService(twos, [a, b]);
    expect(twos.schedule(svc, pkt('10.1.0.1'), standaloneContext('6.12'))).toEqual({ kind: 'one', dest: b });
    b.overload = true;
    expect(twos.schedule(svc, pkt('10.1.0.1'), standaloneContext('6.12'))).toEqual({ kind: 'one', dest: null });
    expect(twosPick(svc, 0, 0, '6.12')).toBeNull();
  });
});
