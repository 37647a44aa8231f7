// The fast Maglev build (buildTable: 4-wide branch-free probing) against buildTableReference, a
// plain transcript of ip_vs_mh_permutate + ip_vs_mh_populate: the same lookup table and the same
// "owns a slot" flags for random dest lists (1..16 dests, random addresses and ports, weights from
// 0 to huge so that ip_vs_mh_shift_weight shifts, last_weight kept by an edit to 0), including
// the single-taker and all-zero cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTable, buildTableReference, mhSnapshot } from '../../src/model/schedulers/mh.js';
import { ipText, mkDest } from '../../test/model/schedulers/hash-fixtures.js';

const destSpec = fc.record({
  addr: fc.integer({ min: 0, max: 0xffffffff }),
  port: fc.oneof(fc.constantFrom(80, 443, 0, 65535), fc.integer({ min: 0, max: 65535 })),
  weight: fc.oneof(
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: 400 }),
    fc.integer({ min: 0, max: 0x7fffffff }),
    fc.constantFrom(0, 1, 63, 64, 100000),
  ),
  // a dest edited to weight 0 keeps its last non-zero weight (0: added with weight 0)
  edited: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
});

const destList = fc.uniqueArray(destSpec, { minLength: 1, maxLength: 16, selector: (d) => `${d.addr}:${d.port}` });

function dests(specs: readonly { addr: number; port: number; weight: number; edited: number }[]) {
  return specs.map((s) => mkDest(`${ipText(s.addr)}:${s.port}`, { weight: s.weight, lastWeight: s.weight === 0 ? s.edited : s.weight }));
}

function expectSameBuild(list: ReturnType<typeof dests>): void {
  const snap = mhSnapshot(list);
  const fast = buildTable(snap);
  const ref = buildTableReference(snap);
  // compare as plain arrays: a failure then shows the first differing slot
  expect(Array.from(fast.lookup)).toEqual(Array.from(ref.lookup));
  expect(Array.from(fast.owns)).toEqual(Array.from(ref.owns));
}

describe('mh table build', () => {
  it('equals the reference build for random dest lists', () => {
    fc.assert(
      fc.property(destList, (specs) => expectSameBuild(dests(specs))),
      { numRuns: 300 },
    );
  });

  it('equals the reference build when one dest or none takes part', () => {
    fc.assert(
      fc.property(destList, fc.nat(15), fc.boolean(), (specs, pick, none) => {
        // every dest at last_weight 0 but (unless `none`) one
        const list = dests(specs.map((s, i) => ({ ...s, weight: 0, edited: !none && i === pick % specs.length ? s.edited || 7 : 0 })));
        expectSameBuild(list);
      }),
      { numRuns: 100 },
    );
  });
});
