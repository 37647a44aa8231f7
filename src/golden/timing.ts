// A golden file read at a timer's edge: on virtual time the jiffy a case starts on moves from boot
// to boot (the idle guest's clock jumps from timer to timer before the case arrives), so a table
// read just as a connection expires may show it there or gone. Such a difference is not the
// kernel deciding otherwise when the model, following each run's own jiffies, agrees with both.
import { judgeFollowing } from '../judge/follow.js';
import type { Semantics } from '../model/types.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import { goldenObservation, type GoldenFile } from './corpus.js';

/** How the model judges one run: its verdict's kind and where it points. */
function judged(scenario: Scenario, run: Observation, semantics: Semantics): string {
  const { verdict } = judgeFollowing(scenario, run, semantics);
  return verdict.kind === 'agree' ? 'agree' : `${verdict.kind} at ${verdict.stepIndex}`;
}

/**
 * True when the recorded run and the new one differ only where each run's clock fell: both
 * carry the kernel's jiffies, and the model following each reaches the same verdict (agree, or
 * a documented divergence at the same event). A kernel that now decides otherwise makes the
 * model disagree with the new run, so it stays a change.
 */
export function differsOnlyByClock(recorded: GoldenFile, now: Observation, semantics: Semantics): boolean {
  const old = goldenObservation(recorded);
  const hasClock = (o: Observation) => o.steps.length > 0 && o.steps.every((s) => s.j && s.tableJ);
  if (!hasClock(old) || !hasClock(now)) return false;
  return judged(recorded.scenario, old, semantics) === judged(recorded.scenario, now, semantics);
}
