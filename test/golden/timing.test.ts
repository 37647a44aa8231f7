import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenObservation, readGolden } from '../../src/golden/corpus.js';
import { differsOnlyByClock } from '../../src/golden/timing.js';
import { kernelByName } from '../../src/run/kernels.js';

const file = path.resolve(import.meta.dirname, '../../golden/6.1/rr/expire-established.yaml');
const g = await readGolden(file);
const semantics = kernelByName('6.1').semantics;

describe('differsOnlyByClock (golden --check at a timer edge)', () => {
  it('takes a run the model explains as the recorded one did for a clock difference', () => {
    expect(differsOnlyByClock(g, goldenObservation(g), semantics)).toBe(true);
  });

  it('keeps a kernel that decides otherwise a change: a connection sent elsewhere', () => {
    const now = goldenObservation(g);
    const i = now.steps.findIndex((s) => s.dest);
    expect(i).toBeGreaterThanOrEqual(0);
    now.steps[i] = { ...now.steps[i]!, dest: '10.2.0.99:80' };
    expect(differsOnlyByClock(g, now, semantics)).toBe(false);
  });

  it('needs the jiffies of both runs: without them nothing is explained', () => {
    const now = goldenObservation(g);
    now.steps = now.steps.map(({ j: _j, ...s }) => s);
    expect(differsOnlyByClock(g, now, semantics)).toBe(false);
  });
});
