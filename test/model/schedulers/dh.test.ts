// ip_vs_dh.c: the table is dealt round-robin over svc->destinations (ip_vs_dh_reassign), the key
// is hash_32(ntohl(daddr), 8) of the packet's destination address (ip_vs_dh_schedule passes
// &iph->daddr), and a bucket whose dest is unavailable, weight 0 or OVERLOAD gives no destination.
import { describe, expect, it } from 'vitest';
import { dh, dhBuckets, dhHashkey } from '../../../src/model/schedulers/dh.js';
import { addDest, delDest, editDest, ip, mkDest, mkService, name, one, pkt } from './hash-fixtures.js';

// hash_32(0x0a000001, 8) = (0x0a000001 * 0x61c88647 mod 2^32) >> 24, worked out independently.
const VIP_BUCKET = Number(((BigInt(ip('10.0.0.1')) * 0x61c88647n) & 0xffffffffn) >> 24n);

describe('dh (ip_vs_dh.c)', () => {
  it('hashes the destination address with hash_32(addr, 8)', () => {
    expect(VIP_BUCKET).toBe(39);
    expect(dhHashkey(ip('10.0.0.1'))).toBe(39);
    expect(dhHashkey(ip('10.0.0.2'))).toBe(137);
  });

  it('deals the 256 buckets round-robin in list order, weights ignored (ip_vs_dh_reassign)', () => {
    const a = mkDest('10.2.0.1', { weight: 5 });
    const b = mkDest('10.2.0.2', { weight: 1 });
    const c = mkDest('10.2.0.3', { weight: 100 });
    const svc = mkService(dh, [a, b, c]);
    const buckets = dhBuckets(svc);
    expect(buckets).toHaveLength(256);
    buckets.forEach((d, i) => expect(d).toBe([a, b, c][i % 3]));
  });

  it('sends every client of a service to the dest of the VIP bucket: 39 mod 3 = 0 → the list head', () => {
    const [a, b, c] = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(dh, [a, b, c]);
    for (const client of ['10.1.0.1', '10.1.0.2', '10.1.200.7']) {
      for (const port of [1024, 40000, 65535]) expect(one(dh, svc, pkt(client, port, svc))).toBe(a);
    }
  });

  it('another VIP lands in another bucket: 137 mod 3 = 2', () => {
    const [a, b, c] = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(dh, [a, b, c], { vip: '10.0.0.2' });
    expect(one(dh, svc, pkt('10.1.0.1', 40000, svc))).toBe(c);
  });

  it('has no fallback: weight 0 or OVERLOAD in the bucket gives no destination', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(dh, [a, b]);
    // 39 mod 2 = 1: the second dest
    expect(one(dh, svc, pkt('10.1.0.1'))).toBe(b);
    b.overload = true;
    expect(one(dh, svc, pkt('10.1.0.1'))).toBeNull();
    b.overload = false;
    editDest(dh, svc, b, 0);
    expect(one(dh, svc, pkt('10.1.0.1'))).toBeNull();
    editDest(dh, svc, b, 3);
    expect(one(dh, svc, pkt('10.1.0.1'))).toBe(b);
  });

  it('has no upd_dest: an edit leaves the table as it was', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(dh, [a, b]);
    const before = dhBuckets(svc);
    editDest(dh, svc, a, 7);
    expect(dhBuckets(svc)).toEqual(before);
  });

  it('reassigns on delete and on (re-)add, the re-added dest going to the list head', () => {
    const [a, b, c] = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const svc = mkService(dh, [a, b, c]);
    expect(one(dh, svc, pkt('10.1.0.1'))).toBe(a);
    delDest(dh, svc, a);
    // [b, c]: 39 mod 2 = 1 → c
    expect(one(dh, svc, pkt('10.1.0.1'))).toBe(c);
    addDest(dh, svc, a);
    // [a, b, c] again
    expect(name(one(dh, svc, pkt('10.1.0.1')))).toBe('10.2.0.1:80');
    delDest(dh, svc, b);
    addDest(dh, svc, b);
    // [b, a, c]: 39 mod 3 = 0 → b
    expect(one(dh, svc, pkt('10.1.0.1'))).toBe(b);
  });

  it('gives no destination when the service has none', () => {
    const svc = mkService(dh, []);
    expect(dhBuckets(svc).every((d) => d === null)).toBe(true);
    expect(one(dh, svc, pkt('10.1.0.1'))).toBeNull();
  });
});
