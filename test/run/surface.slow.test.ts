// The hand-written surface cases (surface-cases.ts) on the real 6.1 and 6.12 kernels, judged
// against the model: every one must agree.
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { verdictLine } from '../../src/compare/compare.js';
import { makeOracle } from '../../src/judge/oracle.js';
import { kernelByName } from '../../src/run/kernels.js';
import { SURFACE_CASES, SURFACE_FACTS } from './surface-cases.js';

const opened: QemuBackend[] = [];
afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
});

for (const kernel of ['6.1', '6.12']) {
  describe(`surface cases on kernel ${kernel}`, () => {
    const backend = createQemuBackend({ kernel, jobs: 1, caseTimeoutMs: 20_000 });
    opened.push(backend);
    const oracle = makeOracle(backend, kernelByName(kernel).semantics);

    it('boots', async () => {
      await backend.start();
    }, 300_000);

    for (const [name, scenario] of Object.entries(SURFACE_CASES)) {
      it(`${name}: the model and the kernel agree`, async () => {
        const j = await oracle(scenario);
        expect(verdictLine(j.verdict), j.verdict.kind === 'agree' ? '' : (j.verdict as { diff?: string }).diff).toBe('agree');
        SURFACE_FACTS[name]?.(j.kernel!, scenario);
      }, 120_000);
    }
  });
}
