// Kernels simulated on the model for the law test's calibration and power: twos as the kernel
// runs it (random r1, r2 from a seeded source), or a mutant that always takes the first candidate.
import fc from 'fast-check';
import { judgeLaw, type LawVerdict } from '../../src/compare/law-judge.js';
import { seededRandom } from '../../src/random.js';
import { lawPlanArb } from '../../src/generate/plan-arb.js';
import { planToScenario } from '../../src/generate/scenario-arb.js';
import { runModel } from '../../src/model/index.js';
import { SCHEDULERS } from '../../src/model/schedulers/index.js';
import { twos, twosEligible, twosPick } from '../../src/model/schedulers/twos.js';
import type { SchedulerModel } from '../../src/model/types.js';

function simulatedTwos(rnd: () => number, firstOnly: boolean): SchedulerModel {
  return {
    name: 'twos',
    schedule(svc, _pkt, ctx) {
      const el = twosEligible(svc);
      if (el.length <= 1) return { kind: 'one', dest: el[0] ?? null };
      const total = el.reduce((a, d) => a + d.weight, 0) + 1;
      const r1 = Math.floor(rnd() * total);
      const r2 = firstOnly ? r1 : Math.floor(rnd() * total);
      return { kind: 'one', dest: twosPick(svc, r1, r2, ctx.semantics) };
    },
  };
}

/** The law verdicts of `cases` law-shaped cases run on a simulated kernel. */
export function lawVerdicts(cases: number, firstOnly: boolean, seed: number): LawVerdict[] {
  const arb = lawPlanArb({ schedulers: ['twos'], maxDests: 16, maxOps: 30, waits: false, mix: 'standard', surface: { udp: true, fwmark: true, tcpSend: true, ipv6: false } });
  const rnd = seededRandom(seed);
  const out: LawVerdict[] = [];
  for (let i = 0; i < cases; i++) {
    const [plan] = fc.sample(arb, { numRuns: 1, seed: seed + i });
    const s = planToScenario(plan!, { schedulers: ['twos'] });
    const table = SCHEDULERS as Map<string, SchedulerModel>; // the kernel stand-in, for this run only
    table.set('twos', simulatedTwos(rnd, firstOnly));
    let kernel;
    try {
      kernel = runModel(s, { semantics: '6.12' });
    } finally {
      table.set('twos', twos);
    }
    const model = runModel(s, { semantics: '6.12', follow: kernel });
    out.push(...judgeLaw(model, kernel, (sample) => runModel(s, { semantics: '6.12', follow: kernel, sample })));
  }
  return out;
}
