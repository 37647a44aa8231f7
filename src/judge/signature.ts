// A bug's signature: what makes two divergences the same bug, so that shrinking never slides from
// one bug to another and a run shrinks each bug once.
import type { Divergence, Verdict } from '../compare/verdict.js';
import { eventScheduler, scenarioScheduler } from '../generate/scenario-arb.js';
import type { Scenario } from '../scenario.js';

/** Same kind of difference: a shrink or reduction candidate keeps the bug only then. */
export function sameBug(a: Divergence, v: Verdict): v is Divergence {
  return v.kind === 'diverge' && v.what === a.what;
}

/** The scheduler a divergence is filed under: that of the service where it showed (a case has several). */
export function findingScheduler(scenario: Scenario, v: Divergence): string {
  return eventScheduler(scenario, v.stepIndex) ?? scenarioScheduler(scenario);
}

/**
 * Divergences of one signature in a run are most likely one bug: the same scheduler, kind of
 * difference and kind of event. An error difference (ENOTCONN on a close, say) rarely depends on
 * the scheduler, so it is keyed by the errors instead.
 */
export function bugSignature(scenario: Scenario, v: Divergence): string {
  const op = v.event.replace(/\[.*$/, '');
  return v.what === 'error' ? `error/${op}/${v.expected}/${v.got}` : `${findingScheduler(scenario, v)}/${v.what}/${op}`;
}
