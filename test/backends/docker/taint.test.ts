import { describe, expect, it } from 'vitest';
import { blindSpots, TAINT_DIE, TAINT_WARN, taintFindings } from '../../../src/backends/docker/taint.js';

describe('taintFindings', () => {
  it('a new D bit is an oops, a new W bit a WARNING', () => {
    expect(taintFindings(0, TAINT_DIE)).toEqual(['an oops or BUG (taint D)']);
    expect(taintFindings(0, TAINT_WARN)).toEqual(['a WARNING (taint W)']);
    expect(taintFindings(0, TAINT_DIE | TAINT_WARN)).toHaveLength(2);
  });
  it('bits set before the case, and other bits (a module load: O, E), are not findings', () => {
    expect(taintFindings(TAINT_WARN, TAINT_WARN)).toEqual([]);
    expect(taintFindings(TAINT_WARN, TAINT_WARN | TAINT_DIE)).toEqual(['an oops or BUG (taint D)']);
    expect(taintFindings(0, (1 << 12) | (1 << 13))).toEqual([]);
  });
});

describe('blindSpots', () => {
  it('names what an already tainted host hides', () => {
    expect(blindSpots(0)).toEqual([]);
    expect(blindSpots(TAINT_WARN | (1 << 12))).toEqual(['WARNING (W)']);
  });
});
