// lib/siphash.c as built for x86-64 (BITS_PER_LONG == 64): hsiphash is not HalfSipHash there but
// SipHash-1-3 over 64-bit words with `unsigned long key[2]` (two u64), truncated to u32
// ("on 64-bit, we make HalfSipHash1-3 actually be SipHash1-3"). x86-64 has
// CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS, so hsiphash() is __hsiphash_unaligned(); for a 4-byte
// input that equals hsiphash_1u32() of the little-endian word.
//
// 64-bit words are kept as (hi, lo) pairs of u32 in plain numbers: no BigInt, so the Maglev
// fallback walk (up to 4093 hashes) stays cheap.

/** hsiphash_key_t on 64-bit: two u64, each as [hi, lo] u32 halves. */
export interface HsipKey {
  k0hi: number;
  k0lo: number;
  k1hi: number;
  k1lo: number;
}

/** A key from two u64 values given as bigint (test vectors) or as numbers below 2^53. */
export function hsipKey(k0: bigint | number, k1: bigint | number): HsipKey {
  const a = BigInt(k0);
  const b = BigInt(k1);
  return {
    k0hi: Number((a >> 32n) & 0xffffffffn),
    k0lo: Number(a & 0xffffffffn),
    k1hi: Number((b >> 32n) & 0xffffffffn),
    k1lo: Number(b & 0xffffffffn),
  };
}

// The state v0..v3 as hi/lo halves, module-level so the round needs no allocation.
let v0h = 0, v0l = 0, v1h = 0, v1l = 0, v2h = 0, v2l = 0, v3h = 0, v3l = 0;

// SIPHASH_CONST_0..3
const C0H = 0x736f6d65, C0L = 0x70736575;
const C1H = 0x646f7261, C1L = 0x6e646f6d;
const C2H = 0x6c796765, C2L = 0x6e657261;
const C3H = 0x74656462, C3L = 0x79746573;

/** SIPHASH_PERMUTATION(v0, v1, v2, v3) (include/linux/siphash.h), on hi/lo halves. */
function sipround(): void {
  let l: number, t: number;
  // v0 += v1
  l = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (l < v0l ? 1 : 0)) >>> 0; v0l = l;
  // v1 = rol64(v1, 13)
  t = v1h; v1h = ((v1h << 13) | (v1l >>> 19)) >>> 0; v1l = ((v1l << 13) | (t >>> 19)) >>> 0;
  // v1 ^= v0
  v1h = (v1h ^ v0h) >>> 0; v1l = (v1l ^ v0l) >>> 0;
  // v0 = rol64(v0, 32)
  t = v0h; v0h = v0l; v0l = t;
  // v2 += v3
  l = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (l < v2l ? 1 : 0)) >>> 0; v2l = l;
  // v3 = rol64(v3, 16)
  t = v3h; v3h = ((v3h << 16) | (v3l >>> 16)) >>> 0; v3l = ((v3l << 16) | (t >>> 16)) >>> 0;
  // v3 ^= v2
  v3h = (v3h ^ v2h) >>> 0; v3l = (v3l ^ v2l) >>> 0;
  // v0 += v3
  l = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (l < v0l ? 1 : 0)) >>> 0; v0l = l;
  // v3 = rol64(v3, 21)
  t = v3h; v3h = ((v3h << 21) | (v3l >>> 11)) >>> 0; v3l = ((v3l << 21) | (t >>> 11)) >>> 0;
  // v3 ^= v0
  v3h = (v3h ^ v0h) >>> 0; v3l = (v3l ^ v0l) >>> 0;
  // v2 += v1
  l = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (l < v2l ? 1 : 0)) >>> 0; v2l = l;
  // v1 = rol64(v1, 17)
  t = v1h; v1h = ((v1h << 17) | (v1l >>> 15)) >>> 0; v1l = ((v1l << 17) | (t >>> 15)) >>> 0;
  // v1 ^= v2
  v1h = (v1h ^ v2h) >>> 0; v1l = (v1l ^ v2l) >>> 0;
  // v2 = rol64(v2, 32)
  t = v2h; v2h = v2l; v2l = t;
}

/** PREAMBLE(len) of lib/siphash.c. */
function preamble(key: HsipKey): void {
  v0h = (C0H ^ key.k0hi) >>> 0; v0l = (C0L ^ key.k0lo) >>> 0;
  v1h = (C1H ^ key.k1hi) >>> 0; v1l = (C1L ^ key.k1lo) >>> 0;
  v2h = (C2H ^ key.k0hi) >>> 0; v2l = (C2L ^ key.k0lo) >>> 0;
  v3h = (C3H ^ key.k1hi) >>> 0; v3l = (C3L ^ key.k1lo) >>> 0;
}

/** One message word m (hi, lo) in the SipHash-1-3 compression: v3 ^= m; HSIPROUND; v0 ^= m. */
function compress(mh: number, ml: number): void {
  v3h = (v3h ^ mh) >>> 0; v3l = (v3l ^ ml) >>> 0;
  sipround();
  v0h = (v0h ^ mh) >>> 0; v0l = (v0l ^ ml) >>> 0;
}

/** HPOSTAMBLE (64-bit): finalise with b = (len << 56) | tail, return (u32)(v0^v1^v2^v3). */
function postamble(bh: number, bl: number): number {
  compress(bh, bl);
  v2l = (v2l ^ 0xff) >>> 0;
  sipround();
  sipround();
  sipround();
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

/**
 * hsiphash_1u32(first, key): what hsiphash(&u32, 4, key) computes on x86-64. The hot path of mh
 * (one call per schedule, up to 4093 in a fallback walk), so written out with local variables:
 * PREAMBLE(4); b |= first; v3 ^= b; SIPROUND; v0 ^= b; v2 ^= 0xff; SIPROUND x3. Its round is
 * sipround() again, inlined on purpose: calling it would put the state back in module variables.
 */
export function hsiphash1u32(first: number, key: HsipKey): number {
  let v0h = (C0H ^ key.k0hi) >>> 0, v0l = (C0L ^ key.k0lo) >>> 0;
  let v1h = (C1H ^ key.k1hi) >>> 0, v1l = (C1L ^ key.k1lo) >>> 0;
  let v2h = (C2H ^ key.k0hi) >>> 0, v2l = (C2L ^ key.k0lo) >>> 0;
  let v3h = (C3H ^ key.k1hi) >>> 0, v3l = (C3L ^ key.k1lo) >>> 0;
  const bh = 0x04000000; // (u64)4 << 56
  const bl = first >>> 0;
  v3h = (v3h ^ bh) >>> 0;
  v3l = (v3l ^ bl) >>> 0;
  let l: number, t: number;
  for (let r = 0; r < 4; r++) {
    l = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (l < v0l ? 1 : 0)) >>> 0; v0l = l;
    t = v1h; v1h = ((v1h << 13) | (v1l >>> 19)) >>> 0; v1l = ((v1l << 13) | (t >>> 19)) >>> 0;
    v1h = (v1h ^ v0h) >>> 0; v1l = (v1l ^ v0l) >>> 0;
    t = v0h; v0h = v0l; v0l = t;
    l = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (l < v2l ? 1 : 0)) >>> 0; v2l = l;
    t = v3h; v3h = ((v3h << 16) | (v3l >>> 16)) >>> 0; v3l = ((v3l << 16) | (t >>> 16)) >>> 0;
    v3h = (v3h ^ v2h) >>> 0; v3l = (v3l ^ v2l) >>> 0;
    l = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (l < v0l ? 1 : 0)) >>> 0; v0l = l;
    t = v3h; v3h = ((v3h << 21) | (v3l >>> 11)) >>> 0; v3l = ((v3l << 21) | (t >>> 11)) >>> 0;
    v3h = (v3h ^ v0h) >>> 0; v3l = (v3l ^ v0l) >>> 0;
    l = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (l < v2l ? 1 : 0)) >>> 0; v2l = l;
    t = v1h; v1h = ((v1h << 17) | (v1l >>> 15)) >>> 0; v1l = ((v1l << 17) | (t >>> 15)) >>> 0;
    v1h = (v1h ^ v2h) >>> 0; v1l = (v1l ^ v2l) >>> 0;
    t = v2h; v2h = v2l; v2l = t;
    if (r === 0) {
      v0h = (v0h ^ bh) >>> 0;
      v0l = (v0l ^ bl) >>> 0;
      v2l = (v2l ^ 0xff) >>> 0;
    }
  }
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

/** hsiphash(data, len, key) for any byte string (__hsiphash_unaligned), for test vectors. */
export function hsiphash(data: Uint8Array, key: HsipKey): number {
  const len = data.length;
  preamble(key);
  const end = len - (len % 8);
  let i = 0;
  for (; i < end; i += 8) {
    const ml = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const mh = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    compress(mh, ml);
  }
  // b = (len << 56) | the remaining bytes, little-endian
  let bl = 0;
  let bh = ((len & 0xff) << 24) >>> 0;
  for (let j = 0; i + j < len; j++) {
    const byte = data[i + j]!;
    if (j < 4) bl = (bl | (byte << (8 * j))) >>> 0;
    else bh = (bh | (byte << (8 * (j - 4)))) >>> 0;
  }
  return postamble(bh, bl);
}
