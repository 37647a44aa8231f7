// The model against what real kernels did (golden/<kernel>/<scheduler>/<template>.yaml): every
// step's error, destination and table, and the three listings byte for byte. One known
// difference is expected and kept visible: hprio's kernel module ports the 2005 patch's code,
// whose selection loop does not re-check OVERLOAD; the model follows the patch's stated intent.
import { describe, expect, it } from 'vitest';
import { goldenObservation, listGoldenFiles, readGolden } from '../../src/golden/corpus.js';
import { runModel } from '../../src/model/index.js';
import type { Semantics } from '../../src/model/types.js';

/** Golden cases where the model and the kernel differ on purpose, and the first step they do. */
const INTENT_DIFFERS: Record<string, number> = { 'hprio/overload': 14 };

const files = await listGoldenFiles();

describe('model vs the golden corpus', () => {
  it('there is a corpus to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const name = file.split(/golden[\\/]/)[1]!.replace(/\.yaml$/, '');
    it(name, async () => {
      const g = await readGolden(file);
      const model = runModel(g.scenario, { semantics: g.kernel as Semantics, follow: goldenObservation(g) });
      const firstDiff = g.observed.steps.findIndex((s, i) => {
        const m = model.steps[i]!;
        return JSON.stringify([s.error?.name, s.dest, s.table]) !== JSON.stringify([m.error?.name, m.dest, m.table]);
      });
      const key = `${g.scheduler}/${g.template}`;
      if (key in INTENT_DIFFERS) {
        expect(firstDiff).toBe(INTENT_DIFFERS[key]);
        return;
      }
      expect(firstDiff).toBe(-1);
      expect(model.listings!.list).toBe(g.observed.listings.list);
      expect(model.listings!.thresholds).toBe(g.observed.listings.thresholds);
      expect(model.listings!.persistent).toBe(g.observed.listings.persistent);
    });
  }
});
