// Honest non-determinism: where a scheduler's choice is random (twos), the step lists every
// allowed destination, and a model following a kernel run continues with the kernel's pick.
import { describe, expect, it } from 'vitest';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import { lastDests, Story } from './story.js';

describe('following a kernel run', () => {
  const sc = new Story('twos').add(1).add(2).add(3).connect(2).scenario();

  it('without a kernel: all allowed listed, the first taken', () => {
    const obs = runModel(sc, { semantics: '6.12' });
    const step = obs.steps[4]!;
    expect(step.allowed).toEqual(['10.2.0.3:80', '10.2.0.2:80', '10.2.0.1:80']);
    expect(step.dest).toBe('10.2.0.3:80');
  });

  it("with a kernel: its pick when allowed, and the state follows it", () => {
    const kernel: Observation = {
      backend: 'qemu',
      kernel: { name: '6.12' },
      steps: sc.events.map((_, index) => ({ index, ...(index === 4 ? { dest: '10.2.0.1:80' } : index === 5 ? { dest: '10.2.0.1:80' } : {}) })),
    };
    const obs = runModel(sc, { semantics: '6.12', follow: kernel });
    expect(obs.steps[4]!.dest).toBe('10.2.0.1:80');
    expect(lastDests(obs)[1]!.active).toBe(2);
  });

  it('a kernel pick outside the allowed set is not followed', () => {
    const kernel: Observation = { backend: 'qemu', kernel: { name: '6.12' }, steps: sc.events.map((_, index) => ({ index, dest: '10.2.0.9:80' })) };
    expect(runModel(sc, { semantics: '6.12', follow: kernel }).steps[4]!.dest).toBe('10.2.0.3:80');
  });
});
