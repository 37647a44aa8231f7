// ip_vs_lblc.c: the cache is keyed by the packet's destination address (ip_vs_lblc_schedule looks
// up &iph->daddr), a cached dest is kept while AVAILABLE, weight > 0 and !is_overloaded(), the
// fresh pick is __ip_vs_lblc_schedule (weighted least-connection, OVERLOAD skipped), and entries
// leave only through the 60 s timer (ip_vs_lblc_check_expire / ip_vs_lblc_full_check).
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/model/context.js';
import { lblc, lblcIsOverloaded, lblcLeastLoaded } from '../../../src/model/schedulers/lblc.js';
import { addDest, ctx, delDest, editDest, mkDest, mkService, name, one, pkt } from './hash-fixtures.js';

const HZ = 250;
const MIN = 60 * HZ;
const HOUR = 60 * MIN;

describe('lblc (ip_vs_lblc.c)', () => {
  it('caches the first weighted least-connection pick for the VIP, whatever the client', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    // ties go to the first in list order
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    a.activeConns = 1;
    // cache hit: A is not overloaded (1 > 1 is false), so A again although B is idle
    expect(one(lblc, svc, pkt('10.1.0.2', 1234))).toBe(a);
  });

  it('leaves the cached dest when is_overloaded(): activeconns > weight and some dest has activeconns*2 < weight', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    a.activeConns = 2;
    b.activeConns = 1; // 1*2 < 1 is false: no dest is "less loaded" → A stays
    expect(lblcIsOverloaded(a, svc)).toBe(false);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    b.activeConns = 0; // 0*2 < 1 → A is overloaded
    expect(lblcIsOverloaded(a, svc)).toBe(true);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(b);
    // and the entry now names B
    a.activeConns = 0;
    b.activeConns = 1;
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(b);
  });

  it('does not look at the OVERLOAD flag on a cache hit, but the fresh pick skips it', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    a.overload = true;
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    const fresh = mkService(lblc, [a, b]);
    expect(one(lblc, fresh, pkt('10.1.0.1'))).toBe(b);
  });

  it('reschedules when the cached dest has weight 0, and never picks weight 0 afresh', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    editDest(lblc, svc, a, 0);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(b);
    editDest(lblc, svc, b, 0);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBeNull();
  });

  it('keeps an entry to a deleted dest: re-adding that address makes it valid again', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(a);
    delDest(lblc, svc, a);
    // back with a connection: a fresh pick would now take idle B, the cache keeps 10.2.0.1
    a.activeConns = 1;
    addDest(lblc, svc, a);
    // the kernel's entry holds the dest, which stayed in the trash and came back: same dest
    expect(lblcLeastLoaded(svc, ctx())).toBe(b);
    expect(name(one(lblc, svc, pkt('10.1.0.1')))).toBe('10.2.0.1:80');
    // but a schedule while it is deleted moves the entry to B
    delDest(lblc, svc, svc.destinations[0]!);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(b);
    a.activeConns = 0;
    addDest(lblc, svc, a);
    expect(lblcLeastLoaded(svc, ctx())?.addr).toBe('10.2.0.1');
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBe(b);
  });

  it('keeps one entry per destination address (another VIP, another entry)', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(lblc, [a, b]);
    expect(one(lblc, svc, { ...pkt('10.1.0.1'), daddr: 1 })).toBe(a);
    a.activeConns = 1;
    expect(one(lblc, svc, { ...pkt('10.1.0.1'), daddr: 2 })).toBe(b);
    expect(one(lblc, svc, { ...pkt('10.1.0.9'), daddr: 1 })).toBe(a);
  });

  it('weighs overhead by weight with the kernel version\'s ip_vs_dest_conn_overhead', () => {
    // A: w 2, 1 active → 6.1: 256, 6.12: 257 (+ totalconns). B: w 1, 128 inactive → 128.
    // pick B iff loh_A * w_B > loh_B * w_A: 256 > 256 no (6.1), 257 > 256 yes (6.12)
    const a = mkDest('10.2.0.1', { weight: 2, activeConns: 1 });
    const b = mkDest('10.2.0.2', { weight: 1, inactConns: 128 });
    const svc = mkService(lblc, [a, b]);
    expect(lblcLeastLoaded(svc, ctx(0, '6.1'))).toBe(a);
    expect(lblcLeastLoaded(svc, ctx(0, '6.12'))).toBe(b);
  });

  it('keeps an entry used within lblc_expiration (24 h) through the periodic checks', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const c = standaloneContext('6.1');
    const svc = mkService(lblc, [a, b], { c });
    expect(one(lblc, svc, pkt('10.1.0.1'), c)).toBe(a);
    a.activeConns = 1; // a fresh pick would take idle B
    for (let h = 1; h < 48; h += 12) {
      c.at(c.now.lo + 12 * HOUR);
      expect(one(lblc, svc, pkt('10.1.0.1'), c)).toBe(a);
    }
    expect(c.reached['lblc:collect']).toBeUndefined();
  });

  it('drops an entry unused for lblc_expiration at the next full check (every 30th run, 60 s apart)', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const c = standaloneContext('6.1');
    c.sysctls.set('lblc_expiration', 60);
    const start = c.now.lo;
    const svc = mkService(lblc, [a, b], { c });
    expect(one(lblc, svc, pkt('10.1.0.1'), c)).toBe(a);
    a.activeConns = 1;
    // 29 runs of 60 s (rounded up to the wheel's 512-jiffy buckets) leave it; the 30th drops it.
    c.at(start + 29 * MIN);
    expect(one(lblc, svc, pkt('10.1.0.1'), c)).toBe(a);
    c.at(start + 32 * MIN);
    expect(c.reached['lblc:collect']).toBe(1);
    expect(one(lblc, svc, pkt('10.1.0.1'), c)).toBe(b);
  });

  it('gives no destination without a usable dest', () => {
    expect(one(lblc, mkService(lblc, []), pkt('10.1.0.1'))).toBeNull();
    const svc = mkService(lblc, [mkDest('10.2.0.1', { overload: true }), mkDest('10.2.0.2', { weight: 0 })]);
    expect(one(lblc, svc, pkt('10.1.0.1'))).toBeNull();
  });
});
