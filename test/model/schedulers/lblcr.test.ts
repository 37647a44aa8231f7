// ip_vs_lblcr.c: the VIP's entry holds a set of dests; ip_vs_dest_set_min picks the weighted
// least-loaded AVAILABLE, non-OVERLOAD member; is_overloaded() sends the pick to
// __ip_vs_lblcr_schedule and the result joins the set at its head (ip_vs_dest_set_insert); a set
// unchanged for lblcr_expiration (24 h, `time_after(jiffies, lastmod + expiration)`) loses its
// most loaded member (ip_vs_dest_set_max) on the next schedule.
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/model/context.js';
import { lblcr, lblcrSet } from '../../../src/model/schedulers/lblcr.js';
import { addDest, delDest, editDest, ip, mkDest, mkService, one, pkt } from './hash-fixtures.js';

const HOUR = 3600 * 250;
const DAY = 24 * HOUR;
const VIP = ip('10.0.0.1');

function setup() {
  const a = mkDest('10.2.0.1');
  const b = mkDest('10.2.0.2');
  const c = standaloneContext('6.1');
  const svc = mkService(lblcr, [a, b], { c });
  return { a, b, svc, c, t0: c.now.lo };
}

describe('lblcr (ip_vs_lblcr.c)', () => {
  it('starts a set with the weighted least-connection pick (ip_vs_lblcr_new)', () => {
    const { a, svc } = setup();
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(a);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.1:80']);
  });

  it('adds the fresh pick at the head of the set when the set minimum is overloaded', () => {
    const { a, b, svc } = setup();
    one(lblcr, svc, pkt('10.1.0.1'));
    a.activeConns = 2; // 2 > weight 1, and B: 0*2 < 1
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(b);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80', '10.2.0.1:80']);
    // now the set minimum decides: B (1 active, 256) against A (2 active, 512)
    b.activeConns = 1;
    expect(one(lblcr, svc, pkt('10.1.0.2'))).toBe(b);
    // A becomes the lighter member: the set gives A without a fresh pick
    a.activeConns = 0;
    expect(one(lblcr, svc, pkt('10.1.0.2'))).toBe(a);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80', '10.2.0.1:80']);
  });

  it('skips OVERLOAD, weight 0 and deleted members in ip_vs_dest_set_min', () => {
    const { a, b, svc } = setup();
    one(lblcr, svc, pkt('10.1.0.1'));
    a.activeConns = 2;
    one(lblcr, svc, pkt('10.1.0.1')); // set [B, A]
    a.activeConns = 0;
    b.overload = true;
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(a);
    b.overload = false;
    b.activeConns = 3;
    a.activeConns = 1;
    editDest(lblcr, svc, a, 0);
    // A has weight 0: the set gives B (3 > 1: overloaded? only if some dest has active*2 < weight:
    // A: 2 < 0 no, B: 6 < 1 no) → B
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(b);
    editDest(lblcr, svc, a, 1);
    delDest(lblcr, svc, a);
    b.activeConns = 0;
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(b);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80', '10.2.0.1:80']);
  });

  it('uses a re-added member again (the set held it in the trash)', () => {
    const { a, b, svc } = setup();
    one(lblcr, svc, pkt('10.1.0.1'));
    a.activeConns = 2;
    one(lblcr, svc, pkt('10.1.0.1')); // set [B, A]
    delDest(lblcr, svc, a);
    b.activeConns = 1;
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(b);
    a.activeConns = 0;
    addDest(lblcr, svc, a); // restored from the trash: the same dest
    // set minimum: B (256) vs A again (0) → A
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(a);
  });

  it('gives no destination when the set has nothing usable and neither has the service', () => {
    const { a, b, svc } = setup();
    one(lblcr, svc, pkt('10.1.0.1'));
    a.overload = true;
    b.overload = true;
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBeNull();
    b.overload = false;
    expect(one(lblcr, svc, pkt('10.1.0.1'))).toBe(b);
  });

  it('drops the most loaded member once the set is unchanged for more than 24 h', () => {
    const { a, b, svc, c, t0 } = setup();
    one(lblcr, svc, pkt('10.1.0.1'), c);
    a.activeConns = 2;
    c.at(t0 + 1000);
    one(lblcr, svc, pkt('10.1.0.1'), c); // set [B, A], lastmod t0 + 1000
    b.activeConns = 1;
    // used every 12 h so the entry itself never idles a full day
    for (let t = 12 * HOUR; t <= 1000 + DAY; t += 12 * HOUR) {
      c.at(t0 + t);
      expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(b);
    }
    c.at(t0 + 1000 + DAY);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(b);
    // time_after is strict: at exactly lastmod + 24 h both members stay
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80', '10.2.0.1:80']);
    c.at(t0 + 1001 + DAY);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(b);
    // A (512) is the most loaded: erased
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80']);
    expect(c.reached['lblcr:shrink']).toBe(1);
  });

  it('returns the set minimum computed before the pruning, even if that member is pruned', () => {
    // A w 4 (2 active: 512/4 = 128), B w 1 (1 active: 256): min A; max B → B pruned, A returned.
    const { a, b, svc, c, t0 } = setup();
    one(lblcr, svc, pkt('10.1.0.1'), c);
    a.activeConns = 2;
    one(lblcr, svc, pkt('10.1.0.1'), c); // set [B, A]
    editDest(lblcr, svc, a, 4);
    b.activeConns = 1;
    c.at(t0 + 20 * HOUR);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(a);
    c.at(t0 + DAY + 1);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(a);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.1:80']);
  });

  it('lets the periodic full check collect an entry unused for lblcr_expiration', () => {
    const { a, b, svc, c, t0 } = setup();
    c.sysctls.set('lblcr_expiration', 120);
    one(lblcr, svc, pkt('10.1.0.1'), c);
    a.activeConns = 1;
    c.at(t0 + 25 * 60 * 250);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(a); // used at 25 min: kept at the 30th run (~31 min)
    c.at(t0 + 62 * 60 * 250); // the next full check (~61 min) finds it idle for more than 120 s
    expect(c.reached['lblcr:collect']).toBe(1);
    expect(one(lblcr, svc, pkt('10.1.0.1'), c)).toBe(b);
    expect(lblcrSet(svc, VIP)).toEqual(['10.2.0.2:80']);
  });
});
