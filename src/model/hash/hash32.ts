// include/linux/hash.h: hash_32() with the generic multiplier (x86 has no CONFIG_HAVE_ARCH_HASH).

/** GOLDEN_RATIO_32 */
export const GOLDEN_RATIO_32 = 0x61c88647;

/** hash_32(val, bits): the top `bits` bits of the 32-bit product val * GOLDEN_RATIO_32. */
export function hash32(val: number, bits: number): number {
  return Math.imul(val >>> 0, GOLDEN_RATIO_32) >>> (32 - bits);
}
