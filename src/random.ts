// One small seeded source of uniform floats in [0, 1) (mulberry32), for everything that must draw
// the same way again from the same seed: the law judge's simulations, the coverage guide's arm
// choice, the soak's faults and the mutants' order. Not for anything fast-check generates.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
