// Replays every golden file (what a real kernel did) through the model, without a VM, so the
// model is checked against the real kernel in every quick test loop. Changing one decision in any
// scheduler's model makes one of these fail.
import { describe, expect, it } from 'vitest';
import { judgeFollowing } from '../../src/judge/follow.js';
import { goldenObservation, listGoldenFiles, readGolden } from '../../src/golden/corpus.js';
import { reachesOf, TEMPLATES } from '../../src/golden/templates.js';
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
    const { verdict, model } = judgeFollowing(g.scenario, kernelObs, kernelByName(g.kernel).semantics);
    // A lifecycle case still reaches the paths it is about, on the kernel's own jiffies.
    const template = TEMPLATES.find((t) => t.name === g.template);
    for (const p of template ? reachesOf(template, g.scheduler, kernelByName(g.kernel).semantics) : []) expect(model.reached?.[p], `${p} reached`).toBeGreaterThan(0);
    const known = KNOWN_DIVERGENCES[name];
    if (known) {
      // A documented difference between the kernel and the stated semantics (README, "Known divergences").
      expect(verdict, known.why).toMatchObject({ kind: 'diverge', stepIndex: known.step });
    } else {
      expect(verdict.kind === 'diverge' ? verdict.diff : verdict.kind).toBe('agree');
    }
  });
});
