// ip_vs_mh.c: Maglev lookup of 4093 slots. Expected slot counts follow from ip_vs_mh_populate (each
// round every dest with turns >= 1 claims `turns` slots, list order) and ip_vs_mh_permutate
// (turns = ((last_weight / gcd) >> rshift) ?: (last_weight != 0)); ip_vs_mh_shift_weight gives
// rshift = fls(max / gcd) - 6. Which dest a given client gets was cross-checked against a C
// transcript of ip_vs_mh.c (properties/hash/kernel-ref/hash_ref.c).
import { describe, expect, it } from 'vitest';
import {
  MH_FALLBACK,
  MH_PORT,
  MH_TAB_SIZE,
  buildTable,
  buildTableReference,
  mh,
  mhGcdWeight,
  mhLookup,
  mhShiftWeight,
  mhSlot,
  mhSnapshot,
} from '../../../src/model/schedulers/mh.js';
import type { DestState, ServiceState } from '../../../src/model/types.js';
import { addDest, delDest, editDest, ip, mkDest, mkService, one, pkt } from './hash-fixtures.js';

function counts(svc: ServiceState): Map<DestState | null, number> {
  const m = new Map<DestState | null, number>();
  for (const d of mhLookup(svc)) m.set(d, (m.get(d) ?? 0) + 1);
  return m;
}

const CLIENTS = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6'];

describe('mh (ip_vs_mh.c)', () => {
  it('uses the 4093-entry table (primes[CONFIG_IP_VS_MH_TAB_INDEX - 8])', () => {
    expect(MH_TAB_SIZE).toBe(4093);
  });

  it('puts client 10.0.0.1 port 0 in slot 3711 (hsiphash 50859236 % 4093)', () => {
    expect(mhSlot(ip('10.0.0.1'), 0)).toBe(3711);
  });

  it('gives one dest the whole table', () => {
    const a = mkDest('10.2.0.1');
    const svc = mkService(mh, [a]);
    expect(counts(svc).get(a)).toBe(MH_TAB_SIZE);
    expect(one(mh, svc, pkt('10.0.0.1', 0))).toBe(a);
  });

  it('splits equal weights one slot per round, the list head taking the odd slot', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(mh, [a, b]);
    expect(counts(svc).get(a)).toBe(2047);
    expect(counts(svc).get(b)).toBe(2046);
    const [x, y, z] = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const three = counts(mkService(mh, [x, y, z]));
    expect([three.get(x), three.get(y), three.get(z)]).toEqual([1365, 1364, 1364]);
  });

  it('claims `turns` slots per round: weights 1 and 3 give 1024 and 3069', () => {
    const a = mkDest('10.2.0.1', { weight: 1 });
    const b = mkDest('10.2.0.2', { weight: 3 });
    const c = counts(mkService(mh, [a, b]));
    expect([c.get(a), c.get(b)]).toEqual([1024, 3069]);
  });

  it('reduces weights by gcd and shifts them to 6 bits (ip_vs_mh_gcd_weight, ip_vs_mh_shift_weight)', () => {
    const a = mkDest('10.2.0.1', { weight: 1 });
    const b = mkDest('10.2.0.2', { weight: 1000 });
    expect(mhGcdWeight([a, b])).toBe(1);
    // fls(1000) = 10 → shift 4: turns 1 >> 4 = 0 → (lw != 0) = 1, and 1000 >> 4 = 62
    expect(mhShiftWeight([a, b], 1)).toBe(4);
    const c = counts(mkService(mh, [a, b]));
    // 64 rounds of 63 claims = 4032, then A 1 and B the last 60
    expect([c.get(a), c.get(b)]).toEqual([65, 4028]);
    // weights 100 and 200: gcd 100, turns 1 and 2, same table as weights 1 and 2
    const p = mkDest('10.2.0.1', { weight: 100 });
    const q = mkDest('10.2.0.2', { weight: 200 });
    expect(mhGcdWeight([p, q])).toBe(100);
    const r = mkDest('10.2.0.1', { weight: 1 });
    const s = mkDest('10.2.0.2', { weight: 2 });
    const t1 = mhLookup(mkService(mh, [p, q])).map((d) => d?.addr);
    const t2 = mhLookup(mkService(mh, [r, s])).map((d) => d?.addr);
    expect(t1).toEqual(t2);
  });

  it('maps clients by hsiphash of the source address, port 0 unless mh-port', () => {
    const ds = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(mh, ds.slice());
    const got = CLIENTS.map((c) => one(mh, svc, pkt(c, 40000)));
    expect(got).toEqual([ds[0], ds[1], ds[0], ds[0], ds[2], ds[0]]);
    // the port is ignored without mh-port
    expect(one(mh, svc, pkt('10.1.0.2', 1))).toBe(ds[1]);
    const withPort = mkService(mh, ds.slice(), { flags: MH_PORT });
    // with mh-port the slot is that of (port + addr)
    for (const port of [1, 2, 40000]) {
      const slot = mhSlot(ip('10.1.0.2'), port);
      expect(one(mh, withPort, pkt('10.1.0.2', port))).toBe(mhLookup(withPort)[slot]);
    }
  });

  it('gives no destination for an unavailable slot dest without mh-fallback', () => {
    const ds = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(mh, ds.slice());
    ds[0]!.overload = true;
    expect(CLIENTS.map((c) => one(mh, svc, pkt(c)))).toEqual([null, ds[1], null, null, ds[2], null]);
  });

  it('walks hashkey(addr, port, roffset) % 4093 with mh-fallback (ip_vs_mh_get_fallback)', () => {
    const ds = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(mh, ds.slice(), { flags: MH_FALLBACK });
    ds[0]!.overload = true;
    // from the C transcript: 10.1.0.1 → B, .3 → C, .4 → C, .6 → B
    expect(CLIENTS.map((c) => one(mh, svc, pkt(c)))).toEqual([ds[1], ds[1], ds[2], ds[2], ds[2], ds[1]]);
    ds[1]!.weight = 0;
    ds[2]!.overload = true;
    expect(CLIENTS.map((c) => one(mh, svc, pkt(c)))).toEqual(CLIENTS.map(() => null));
  });

  it('gives a dest added with weight 0 no slot, but keeps the slots of one edited to 0 (last_weight)', () => {
    const a = mkDest('10.2.0.1', { weight: 0 });
    const b = mkDest('10.2.0.2');
    const svc = mkService(mh, [a, b]);
    expect(counts(svc).get(b)).toBe(MH_TAB_SIZE);
    const [x, y] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc2 = mkService(mh, [x, y]);
    editDest(mh, svc2, x, 0);
    expect(x.lastWeight).toBe(1);
    expect(counts(svc2).get(x)).toBe(2047);
    // 10.1.0.1 was x's: no destination without fallback
    expect(one(mh, svc2, pkt('10.1.0.1'))).toBeNull();
  });

  it('empties the table when every last_weight is 0 (gcd < 1: ip_vs_mh_reset)', () => {
    const a = mkDest('10.2.0.1', { weight: 0 });
    const svc = mkService(mh, [a], { flags: MH_FALLBACK });
    expect(counts(svc).get(null)).toBe(MH_TAB_SIZE);
    expect(one(mh, svc, pkt('10.1.0.1'))).toBeNull();
    expect(one(mh, mkService(mh, []), pkt('10.1.0.1'))).toBeNull();
  });

  it('rebuilds on add, delete and edit; a deleted and re-added dest gets back its table', () => {
    const [a, b, c] = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(mh, []);
    addDest(mh, svc, c);
    addDest(mh, svc, b);
    addDest(mh, svc, a);
    expect(svc.destinations).toEqual([a, b, c]);
    const before = mhLookup(svc);
    expect(CLIENTS.map((x) => one(mh, svc, pkt(x)))).toEqual([a, b, a, a, c, a]);
    delDest(mh, svc, a);
    const without = mhLookup(svc);
    expect(without.includes(a)).toBe(false);
    // Maglev keeps most of the survivors' slots
    let kept = 0;
    before.forEach((d, i) => {
      if (d !== a && without[i] === d) kept++;
    });
    expect(kept).toBeGreaterThan(2400);
    addDest(mh, svc, a);
    expect(mhLookup(svc)).toEqual(before);
    editDest(mh, svc, a, 2);
    expect(counts(svc).get(a)).toBeGreaterThan(2000);
  });

  it('fills the table within the first round when the turns add up to more than 4093', () => {
    // weights 62 and 63 (gcd 1, no shift): 65 dests claim 4062 slots, the 66th the last 31, and
    // the four after it get none (buildTable's owns flags, then no client can land on them)
    const ds = Array.from({ length: 70 }, (_, i) => mkDest(`10.2.${i >> 8}.${(i & 255) + 1}`, { weight: 62 + (i % 2) }));
    const snap = mhSnapshot(ds);
    const fast = buildTable(snap);
    const ref = buildTableReference(snap);
    expect(Array.from(fast.lookup)).toEqual(Array.from(ref.lookup));
    expect(Array.from(fast.owns)).toEqual(Array.from(ref.owns));
    expect(Array.from(fast.owns.slice(64))).toEqual([1, 1, 0, 0, 0, 0]);
    const c = counts(mkService(mh, ds.slice()));
    expect(c.get(ds[65]!)).toBe(MH_TAB_SIZE - 4062);
    expect(ds.slice(66).map((d) => c.get(d) ?? 0)).toEqual([0, 0, 0, 0]);
  });

  it('builds the same table fast as the plain transcript of ip_vs_mh_populate', () => {
    for (const weights of [[1, 1, 1, 1, 1], [1, 2, 3, 4, 5], [0, 3, 0, 100000, 7], [5, 0]]) {
      const snap = mhSnapshot(weights.map((w, i) => mkDest(`10.2.0.${i + 1}`, { weight: w })));
      expect(Array.from(buildTable(snap).lookup)).toEqual(Array.from(buildTableReference(snap).lookup));
    }
    // more dests than buildTable's reused scratch holds (256)
    const many = mhSnapshot(Array.from({ length: 300 }, (_, i) => mkDest(`10.3.${i >> 8}.${i & 255}`, { weight: 1 + (i % 7) })));
    expect(Array.from(buildTable(many).lookup)).toEqual(Array.from(buildTableReference(many).lookup));
    expect(Array.from(buildTable(many).owns)).toEqual(Array.from(buildTableReference(many).owns));
  });
});
