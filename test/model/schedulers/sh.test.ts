// ip_vs_sh.c: weighted bucket fill (ip_vs_sh_reassign), key hash_32(ntohs(port) + ntohl(saddr), 8)
// (ip_vs_sh_hashkey), port 0 unless sh-port, and the fallback walk (ip_vs_sh_get_fallback).
// Bucket numbers below were worked out by hand: (v * 0x61c88647 mod 2^32) >> 24.
import { describe, expect, it } from 'vitest';
import { SH_FALLBACK, SH_PORT, sh, shBuckets, shHashkey } from '../../../src/model/schedulers/sh.js';
import { addDest, delDest, editDest, ip, mkDest, mkService, one, pkt } from './hash-fixtures.js';

describe('sh (ip_vs_sh.c)', () => {
  it('hashes host-order port + address (ip_vs_sh_hashkey)', () => {
    expect(shHashkey(ip('10.1.0.1'), 0, 0)).toBe(174);
    expect(shHashkey(ip('10.1.0.1'), 40000, 0)).toBe(82);
    expect(shHashkey(ip('10.1.0.1'), 40001, 0)).toBe(179);
    expect(shHashkey(ip('10.1.2.3'), 0, 0)).toBe(2);
    // the offset is added after hashing, mod 256
    expect(shHashkey(ip('10.1.0.1'), 0, 100)).toBe((174 + 100) & 255);
    // the unsigned int sum wraps: 0xffffffff + 2 hashes like 1
    expect(shHashkey(0xffffffff, 2, 0)).toBe(shHashkey(1, 0, 0));
  });

  it('gives each dest `weight` consecutive buckets per round, weight 0 one (ip_vs_sh_reassign)', () => {
    const a = mkDest('10.2.0.1', { weight: 2 });
    const b = mkDest('10.2.0.2', { weight: 0 });
    const c = mkDest('10.2.0.3', { weight: 3 });
    const svc = mkService(sh, [a, b, c]);
    const pattern = [a, a, b, c, c, c];
    shBuckets(svc).forEach((d, i) => expect(d).toBe(pattern[i % 6]));
  });

  it('lets a dest of weight >= 256 take the whole table', () => {
    const a = mkDest('10.2.0.1', { weight: 300 });
    const b = mkDest('10.2.0.2', { weight: 1 });
    const svc = mkService(sh, [a, b]);
    expect(shBuckets(svc).every((d) => d === a)).toBe(true);
  });

  it('ignores the client port unless sh-port is set', () => {
    const ds = [mkDest('10.2.0.1'), mkDest('10.2.0.2'), mkDest('10.2.0.3')];
    const plain = mkService(sh, ds.slice());
    // bucket 174 → 174 mod 3 = 0
    expect(one(sh, plain, pkt('10.1.0.1', 40000))).toBe(ds[0]);
    expect(one(sh, plain, pkt('10.1.0.1', 40001))).toBe(ds[0]);
    const withPort = mkService(sh, ds.slice(), { flags: SH_PORT });
    // buckets 82 and 179 → 1 and 2
    expect(one(sh, withPort, pkt('10.1.0.1', 40000))).toBe(ds[1]);
    expect(one(sh, withPort, pkt('10.1.0.1', 40001))).toBe(ds[2]);
  });

  it('without sh-fallback an unavailable bucket dest gives no destination', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(sh, [a, b]);
    expect(one(sh, svc, pkt('10.1.0.1'))).toBe(a); // bucket 174, even
    a.overload = true;
    expect(one(sh, svc, pkt('10.1.0.1'))).toBeNull();
    expect(one(sh, svc, pkt('10.1.0.2'))).toBe(b); // bucket 15, odd: unaffected
  });

  it('with sh-fallback walks from bucket 2*ihash: (roffset + ihash) & 255 (ip_vs_sh_get_fallback)', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(sh, [a, b], { flags: SH_FALLBACK });
    a.overload = true;
    // ihash 174 → A unavailable; roffset 174 → bucket 92 (A); roffset 175 → bucket 93 (B)
    expect(one(sh, svc, pkt('10.1.0.1'))).toBe(b);
    b.overload = true;
    expect(one(sh, svc, pkt('10.1.0.1'))).toBeNull();
  });

  it('with sh-fallback skips a weight-0 dest: bucket 2 (B, weight 0) → bucket 4 (C)', () => {
    const a = mkDest('10.2.0.1', { weight: 2 });
    const b = mkDest('10.2.0.2', { weight: 0 });
    const c = mkDest('10.2.0.3', { weight: 3 });
    const plain = mkService(sh, [a, b, c]);
    expect(one(sh, plain, pkt('10.1.2.3'))).toBeNull();
    const fb = mkService(sh, [a, b, c], { flags: SH_FALLBACK });
    expect(one(sh, fb, pkt('10.1.2.3'))).toBe(c);
  });

  it('refills on edit (upd_dest), delete and re-add; the re-added dest leads the list', () => {
    const [a, b] = [mkDest('10.2.0.1'), mkDest('10.2.0.2')];
    const svc = mkService(sh, [a, b]);
    editDest(sh, svc, a, 3);
    expect(shBuckets(svc).slice(0, 8)).toEqual([a, a, a, b, a, a, a, b]);
    delDest(sh, svc, a);
    expect(shBuckets(svc).every((d) => d === b)).toBe(true);
    expect(one(sh, svc, pkt('10.1.0.1'))).toBe(b);
    addDest(sh, svc, a);
    expect(svc.destinations).toEqual([a, b]);
    expect(shBuckets(svc).slice(0, 8)).toEqual([a, a, a, b, a, a, a, b]);
  });

  it('gives no destination without dests, with or without fallback', () => {
    expect(one(sh, mkService(sh, []), pkt('10.1.0.1'))).toBeNull();
    expect(one(sh, mkService(sh, [], { flags: SH_FALLBACK | SH_PORT }), pkt('10.1.0.1'))).toBeNull();
  });
});
