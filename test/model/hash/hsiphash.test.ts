// src/model/hash/hsiphash.ts against the kernel's own test vectors (lib/test_siphash.c, the
// BITS_PER_LONG == 64 table: hsiphash is SipHash-1-3 there) and the ip_vs_mh key of one client.
import { describe, expect, it } from 'vitest';
import { hash32 } from '../../../src/model/hash/hash32.js';
import { hsiphash, hsiphash1u32, hsipKey } from '../../../src/model/hash/hsiphash.js';

// lib/test_siphash.c: test_vectors_hsiphash[i] = hsiphash(in, i, &test_key_hsiphash), in[j] = j.
const TEST_KEY = hsipKey(0x0706050403020100n, 0x0f0e0d0c0b0a0908n);
// prettier-ignore
const VECTORS = [
  0x050fc4dc, 0x7d57ca93, 0x4dc7d44d, 0xe7ddf7fb, 0x88d38328, 0x49533b67, 0xc59f22a7, 0x9bb11140,
  0x8d299a8e, 0x6c063de4, 0x92ff097f, 0xf94dc352, 0x57b4d9a2, 0x1229ffa7, 0xc0f95d34, 0x2a519956,
  0x7d908b66, 0x63dbd80c, 0xb473e63e, 0x8d297d1c, 0xa6cce040, 0x2b45f844, 0xa320872e, 0xdae6c123,
  0x67349c8c, 0x705b0979, 0xca9913a5, 0x4ade3b35, 0xef6cd00d, 0x4ab1e1f4, 0x43c5e663, 0x8c21d1bc,
  0x16a7b60d, 0x7a8ff9bf, 0x1f2a753e, 0xbf186b91, 0xada26206, 0xa3c33057, 0xae3a36a1, 0x7b108392,
  0x99e41531, 0x3f1ad944, 0xc8138825, 0xc28949a6, 0xfaf8876b, 0x9f042196, 0x68b1d623, 0x8b5114fd,
  0xdf074c46, 0x12cc86b3, 0x0a52098f, 0x9d292f9a, 0xa2f41f12, 0x43a71ed0, 0x73f0bce6, 0x70a7e980,
  0x243c6d75, 0xfdb71513, 0xa67d8a08, 0xb7e8f148, 0xf7a644ee, 0x0f1837f2, 0x4b6694e0, 0xb7bbb3a8,
];

describe('hsiphash (lib/siphash.c, 64-bit)', () => {
  it('matches all 64 kernel test vectors', () => {
    const input = Uint8Array.from({ length: 64 }, (_, i) => i);
    VECTORS.forEach((want, len) => expect(hsiphash(input.subarray(0, len), TEST_KEY)).toBe(want));
  });

  it('hsiphash1u32 equals hsiphash of the 4 little-endian bytes', () => {
    for (const v of [0, 1, 0x0a000001, 0xdeadbeef, 0xffffffff]) {
      const bytes = new Uint8Array([v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]);
      expect(hsiphash1u32(v, TEST_KEY)).toBe(hsiphash(bytes, TEST_KEY));
    }
  });

  it('gives the ip_vs_mh hash1 of client 10.0.0.1 port 0: 50859236 (slot 50859236 % 4093 = 3711)', () => {
    // generate_hash_secret(): hash1 = {2654435761, 2654435761} (two u64 on 64-bit)
    const h1 = hsipKey(2654435761, 2654435761);
    const h = hsiphash1u32(0x0a000001, h1);
    expect(h).toBe(50859236);
    expect(h % 4093).toBe(3711);
  });
});

describe('hash_32 (include/linux/hash.h)', () => {
  it('is the top bits of val * GOLDEN_RATIO_32 mod 2^32', () => {
    for (const v of [0, 1, 0x0a000001, 0xffffffff, 123456789]) {
      const want = Number(((BigInt(v) * 0x61c88647n) & 0xffffffffn) >> 24n);
      expect(hash32(v, 8)).toBe(want);
      expect(hash32(v, 10)).toBe(Number(((BigInt(v) * 0x61c88647n) & 0xffffffffn) >> 22n));
    }
  });
});
