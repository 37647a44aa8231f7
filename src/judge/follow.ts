// Judging a kernel run where the kernel's clock leaves the model choices. The model meets a choice
// when the kernel's observation only bounds when something happened (an event's jiffies window
// held a timer's firing, or the jiffy a packet armed a timer decides its bucket); each choice has
// a few outcomes. This runs the model down the choices depth first, keeping a branch as long as
// the kernel's observation fits it, and judges by the branch that fits furthest:
// - some branch fits the whole observation: agree (the kernel did what one possible timing gives);
// - none does, and every branch was tried: a divergence (the one that fits furthest);
// - the search ran out of budget first, or the model gave up on a branch: unknown, with why.
// Only choices made at or before a branch's first difference are revisited: later ones cannot
// change what came before.
import type { Observation } from '../observation.js';
import { runModel } from '../model/index.js';
import type { Semantics } from '../model/types.js';
import { eventText, type Scenario } from '../scenario.js';
import { compareObservations } from '../compare/compare.js';
import { judgeLaw, lawDivergence } from '../compare/law-judge.js';
import type { Divergence, Verdict } from '../compare/verdict.js';

/** Model runs one judgement may take (a model run is tens of µs). */
export const FOLLOW_BUDGET = 256;

export interface Followed {
  verdict: Verdict;
  /** The model's observation on the branch the verdict is about. */
  model: Observation;
  /** Model runs it took. */
  runs: number;
}

const reach = (v: Verdict, n: number): number => (v.kind === 'agree' ? n + 1 : v.kind === 'unknown' ? v.difference.stepIndex : v.stepIndex);

export function judgeFollowing(scenario: Scenario, kernel: Observation, semantics: Semantics, budget = FOLLOW_BUDGET): Followed {
  const n = scenario.events.length;
  const stack: number[][] = [[]];
  let best: Followed | undefined;
  let unknown: Followed | undefined;
  let runs = 0;
  while (stack.length && runs < budget) {
    const prefix = stack.pop()!;
    const model = runModel(scenario, { semantics, follow: kernel, choices: prefix });
    runs++;
    const verdict = compareObservations(scenario, kernel, model);
    if (verdict.kind === 'agree') return { verdict: lawVerdict(scenario, kernel, model, semantics, prefix) ?? verdict, model, runs };
    const at = reach(verdict, n);
    if (verdict.kind === 'unknown' && !unknown) unknown = { verdict, model, runs };
    if (verdict.kind === 'diverge' && (!best || at > reach(best.verdict, n))) best = { verdict, model, runs };
    // Alternatives of the choices this branch made up to its first difference, latest first.
    const points = model.branches ?? [];
    const taken = points.map((_, i) => prefix[i] ?? 0);
    for (let i = prefix.length; i < points.length; i++) {
      const p = points[i]!;
      if (p.step > at) break;
      for (let alt = p.n - 1; alt >= 1; alt--) stack.push([...taken.slice(0, i), alt]);
    }
  }
  if (unknown) return { ...unknown, runs };
  if (stack.length) {
    const d = best!.verdict as Divergence;
    const reason = `the kernel's clock leaves the model choices; ${runs} of its branches were tried without one that fits`;
    return { verdict: { kind: 'unknown', stepIndex: d.stepIndex, reason, difference: d }, model: best!.model, runs };
  }
  return { ...best!, runs };
}

/**
 * Where the kernel's picks were all allowed: twos judged by its law too, against runs of the model
 * on the same branch that draw each pick from it (law-judge.ts).
 */
function lawVerdict(scenario: Scenario, kernel: Observation, model: Observation, semantics: Semantics, choices: number[]): Divergence | undefined {
  const verdicts = judgeLaw(model, kernel, (sample) => runModel(scenario, { semantics, follow: kernel, choices, sample }));
  const last = model.steps.reduce((at, s, i) => (s.probabilities ? i : at), -1);
  return last < 0 ? undefined : lawDivergence(verdicts, { index: last, text: eventText(scenario.events[last]!) });
}
