// The law test's p-value by simulation (a Monte Carlo test): the model runs the same scenario
// again and again as a kernel that obeys twos's law would (ModelOptions.sample: each random pick
// drawn from its exact distribution, the load then following those picks), and the kernel's
// statistic is ranked among the simulated ones. p = (1 + #{simulated >= observed}) / (1 + N) is
// exact whatever the number of draws, so the false-alarm rate per service is at most LAW_ALPHA.
// Simulation stops as soon as the service can no longer fail, so a case that obeys the law costs
// a few model runs.
import type { Observation } from '../observation.js';
import { seededRandom } from '../random.js';
import { LAW_ALPHA, type LawDraw, type LawResult, lawOf, lawTests, lawText } from './law.js';
import type { Divergence } from './verdict.js';

/** Simulated runs at most: p can reach 1 / (N + 1) = 5e-4, below LAW_ALPHA (1e-3). */
export const LAW_SIMULATIONS = 1999;

/** The model's random-by-design draws with the picks of `picks` (the kernel, or a simulation). */
export function drawsOf(model: Observation, picks: Observation): LawDraw[] {
  const out: LawDraw[] = [];
  model.steps.forEach((s, i) => {
    if (!s.probabilities || !s.allowed || !s.service) return;
    out.push({ group: s.service, allowed: s.allowed, probs: s.probabilities, got: picks.steps[i]?.dest ?? null });
  });
  return out;
}

export interface LawVerdict {
  result: LawResult;
  /** The Monte Carlo p-value (an upper bound once the service could no longer fail) and the simulations it took. */
  p: number;
  simulations: number;
  /** p <= LAW_ALPHA over every simulation. */
  fails: boolean;
}

/**
 * Each service with enough draws, judged. `simulate(sample)` runs the model on the case as a
 * law-abiding kernel would (its observation carries the simulated picks as `dest`).
 */
export function judgeLaw(model: Observation, kernel: Observation, simulate: (sample: () => number) => Observation, n = LAW_SIMULATIONS): LawVerdict[] {
  const observed = lawTests(drawsOf(model, kernel));
  if (!observed.length) return [];
  const limit = Math.floor(LAW_ALPHA * (n + 1)) - 1; // most exceedances with p <= LAW_ALPHA
  const exceed = new Map(observed.map((r) => [r.group, 0]));
  const runsOf = new Map(observed.map((r) => [r.group, 0]));
  const open = new Set(observed.map((r) => r.group));
  const sample = seededRandom(0x1aa5);
  for (let run = 0; run < n && open.size; run++) {
    const sim = simulate(sample);
    const byGroup = new Map<string, LawDraw[]>();
    for (const d of drawsOf(sim, sim)) (byGroup.get(d.group) ?? byGroup.set(d.group, []).get(d.group)!).push(d);
    for (const r of observed) {
      if (!open.has(r.group)) continue;
      runsOf.set(r.group, run + 1);
      const ds = byGroup.get(r.group);
      if (ds && lawOf(r.group, ds).statistic < r.statistic) continue;
      const e = exceed.get(r.group)! + 1;
      exceed.set(r.group, e);
      if (e > limit) open.delete(r.group); // p can no longer reach LAW_ALPHA
    }
  }
  return observed.map((r) => {
    const runs = runsOf.get(r.group)!;
    return { result: r, p: (1 + exceed.get(r.group)!) / (1 + runs), simulations: runs, fails: runs === n && exceed.get(r.group)! <= limit };
  });
}

/** The first service whose picks fail the law, as a divergence after its last draw. */
export function lawDivergence(verdicts: LawVerdict[], events: { index: number; text: string }): Divergence | undefined {
  const bad = verdicts.find((v) => v.fails);
  if (!bad) return undefined;
  const expected = `twos's picks of ${bad.result.group} as its law draws them (simulated p > ${LAW_ALPHA})`;
  const got = `p = ${bad.p.toExponential(1)} over ${bad.simulations} simulated law-abiding runs (χ² = ${bad.result.statistic.toFixed(1)}, ${bad.result.draws} draws)`;
  const diff = `first difference after event ${events.index}: ${events.text}\n  law: model expected ${expected}, kernel gave ${got}\n${lawText(bad.result)}\n`;
  return { kind: 'diverge', stepIndex: events.index, event: events.text, what: 'law', expected, got, diff };
}
