// The connection lifecycle on real kernels (6.1 and 6.12, virtual time): every hand-written
// lifecycle case of the golden corpus (src/golden/lifecycle.ts: each TCP state the kernel times
// out, templates expiring, refreshed and put off, OVERLOAD cleared on unbind, lblc/lblcr
// collection and lblcr's set shrinking, the trash, client ports used again) runs on the kernel and
// the model follows its jiffies: they must agree, and the model must have reached the path the
// case is about. Waits run to half an hour of guest time (TIME_WAIT's 120 s and the default
// persistence of 300 s included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { createQemuBackend } from '../../src/backends/qemu/index.js';
import { verdictLine } from '../../src/compare/compare.js';
import { judgeFollowing } from '../../src/judge/follow.js';
import { LIFECYCLE_TEMPLATES } from '../../src/golden/lifecycle.js';
import { reachesOf } from '../../src/golden/templates.js';
import { kernelByName } from '../../src/run/kernels.js';

for (const kernel of ['6.1', '6.12']) {
  describe(`the lifecycle on the real ${kernel} kernel`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = createQemuBackend({ kernel, jobs: 1, bootTimeoutMs: 180_000 });
      await backend.start();
    }, 600_000);
    afterAll(async () => {
      await backend?.close();
    });

    for (const t of LIFECYCLE_TEMPLATES) {
      for (const scheduler of t.only ?? ['rr']) {
        it(`${t.name} (${scheduler}): ${t.about}`, async () => {
          const scenario = t.build(scheduler);
          const t0 = performance.now();
          const kernelObs = await backend.run(scenario);
          const wallMs = performance.now() - t0;
          const f = judgeFollowing(scenario, kernelObs, kernelByName(kernel).semantics);
          expect(f.verdict.kind, verdictLine(f.verdict)).toBe('agree');
          for (const p of reachesOf(t, scheduler, kernelByName(kernel).semantics)) expect(f.model.reached?.[p], `${p} reached`).toBeGreaterThan(0);
          const waits = scenario.events.reduce((a, e) => a + (e.op === 'wait' ? e.ms : 0), 0);
          console.log(`${kernel} ${t.name}/${scheduler}: agree; ${(waits / 1000).toFixed(0)} s of guest waits in ${(wallMs / 1000).toFixed(1)} s wall; ${f.model.branches?.length ?? 0} choices, ${f.runs} model run(s)`);
        }, 300_000);
      }
    }
  });
}
