// What the standard mix reaches, by the model's own counts (src/model/reached.ts), without a
// guest: how many of a run's cases reach each lifecycle path, and the guest time they wait. The
// README's lifecycle table comes from it; a real run's summary gives the same lines from the
// kernel-checked cases (the model there follows the kernel's jiffies, so counts differ a little).
// Usage: npx tsx bench/reach.bench.ts [--seed S] [--cases N] [--kernel 6.1|6.12]
import { parseArgs } from 'node:util';
import { generateCase } from '../src/generate/case-seed.js';
import { scenarioArb } from '../src/generate/scenario-arb.js';
import { KERNEL_SCHEDULERS } from '../src/generate/schedulers.js';
import { LIFECYCLE_PATHS } from '../src/model/reached.js';
import { runModel } from '../src/model/index.js';
import type { Semantics } from '../src/model/types.js';
import { kernelByName } from '../src/run/kernels.js';

const { values: v } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, kernel: { type: 'string' } } });
const seed = Number(v.seed ?? 20261121);
const cases = Number(v.cases ?? 300);
const kernel = v.kernel ?? '6.1';
const semantics: Semantics = kernelByName(kernel).semantics;
const arb = scenarioArb({ schedulers: [...KERNEL_SCHEDULERS[kernel]!] });
const counts: Record<string, number> = {};
let waitMs = 0;
for (let k = 0; k < cases; k++) {
  const s = generateCase(arb, seed, k);
  waitMs += s.events.reduce((a, e) => a + (e.op === 'wait' ? e.ms : 0), 0);
  for (const p of Object.keys(runModel(s, { semantics }).reached ?? {})) counts[p] = (counts[p] ?? 0) + 1;
}
console.log(`kernel ${kernel} (${semantics} rules), seed ${seed}, ${cases} cases, ${(waitMs / 1000 / cases).toFixed(0)} s of guest waits per case`);
console.log(`reached (cases): ${LIFECYCLE_PATHS.map((p) => `${p} ${counts[p] ?? 0}`).join(', ')}`);
