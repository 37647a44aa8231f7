// Replays every golden file (what a real kernel did) through the model, without a VM, so the
// model is checked against the real kernel in every quick test loop. Changing one decision in any
// scheduler's model makes one of these fail.
import { describe, expect, it } from 'vitest';
import { compareObservations } from '../../src/compare/index.js';
import { goldenObservation, listGoldenFiles, readGolden } from '../../src/golden/corpus.js';
import { runModel } from '../../src/model/index.js';
import { kernelByName } from '../../src/run/kernels.js';
import { KNOWN_DIVERGENCES } from './known-divergences.js';

const files = await listGoldenFiles();

describe('golden corpus', () => {
  it('exists for every pinned kernel', () => {
    expect(files.length).toBeGreaterThan(0);
  });
});

describe.each(files.map((f) => [f.split('/golden/')[1]!, f]))('%s', (name, file) => {
  it('the model agrees with what the kernel did', async () => {
    const g = await readGolden(file);
    const kernelObs = goldenObservation(g);
    const model = runModel(g.scenario, { semantics: kernelByName(g.kernel).semantics, follow: kernelObs });
    const verdict = compareObservations(g.scenario, kernelObs, model);
    const known = KNOWN_DIVERGENCES[name];
    if (known) {
      // A documented difference between the kernel and the stated semantics (README, "Known divergences").
      expect(verdict.kind, known.why).toBe('diverge');
      if (verdict.kind === 'diverge') expect(verdict.stepIndex).toBe(known.step);
    } else {
      expect(verdict.kind === 'diverge' ? verdict.diff : verdict.kind).toBe('agree');
    }
  });
});
