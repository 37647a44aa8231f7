// The law test's power against twos that always takes its first candidate (the weighted random
// pick without the load comparison): most law cases catch it. Slow: a failing case runs the
// model ~2,000 times to reach its p-value.
import { describe, expect, it } from 'vitest';
import { lawVerdicts } from './law-sim.js';

describe('twos law test, power', () => {
  it('catches an always-first twos in most law cases', () => {
    const v = lawVerdicts(40, true, 0xf157);
    expect(v.length).toBe(40);
    expect(v.filter((x) => x.fails).length).toBeGreaterThanOrEqual(26); // 83% on 200 cases
  }, 600_000);
});
