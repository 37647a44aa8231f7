// Deterministic per-case seeds: case k of a run with seed S always draws the same scenario, on any
// machine and in any shard, because its seed depends only on (S, k).
import fc from 'fast-check';
import type { Scenario } from '../scenario.js';

/** A 32-bit mix of (seed, index) (murmur3's finaliser over a combined word). */
export function caseSeed(seed: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * fast-check's run parameters for drawing a case: unbiased, because the arbitraries spell out
 * their own bias (few destinations, small weights, rare waits), and fast-check's extra bias for
 * the first run would shrink every case. The shrinker draws with the same parameters.
 */
export const DRAW = { numRuns: 1, unbiased: true } as const;

/** The scenario case `index` draws: the first value fast-check generates from its seed. */
export function generateCase(arb: fc.Arbitrary<Scenario>, seed: number, index: number): Scenario {
  const [s] = fc.sample(arb, { ...DRAW, seed: caseSeed(seed, index) });
  return s!;
}

/** Does case `index` belong to shard i of n (case k goes to shard k mod n)? */
export function inShard(index: number, shard: { index: number; count: number } | undefined): boolean {
  return !shard || index % shard.count === shard.index;
}
