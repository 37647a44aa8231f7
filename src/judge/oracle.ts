// The oracle: one scenario on the real kernel (a fresh namespace, via the backend), then the model
// following what the kernel did, then the verdict. Every command that judges a scenario against
// the model goes through here: run, shrink and reduce (makeOracle), replay and check (judgeRun).
import type { Backend } from '../backend.js';
import type { Verdict } from '../compare/verdict.js';
import { ModelError } from '../errors.js';
import type { Semantics } from '../model/types.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import { judgeFollowing } from './follow.js';
import { runOnKernel } from './kernel-run.js';

/** A scenario judged: the verdict, with what each side saw (absent in tests' fake oracles). */
export interface Judged {
  verdict: Verdict;
  kernel?: Observation;
  model?: Observation;
}

/**
 * Runs one scenario on the kernel and the model and judges it. Throws InfraError (the kernel run
 * could not be made), KernelFinding (the kernel's own trouble) or ModelError (a bug of ours).
 */
export type Oracle = (scenario: Scenario) => Promise<Judged>;

export function makeOracle(backend: Backend, semantics: Semantics): Oracle {
  return async (scenario) => judgeRun(scenario, await runOnKernel(backend, scenario), semantics);
}

/**
 * The model's verdict on what the kernel did. The model throwing is the harness's bug, never the
 * kernel's or the input's: a ModelError naming `what` (a file, say) when given.
 */
export function judgeRun(scenario: Scenario, kernel: Observation, semantics: Semantics, what = 'this scenario'): Judged & { kernel: Observation; model: Observation } {
  try {
    const { verdict, model } = judgeFollowing(scenario, kernel, semantics);
    return { verdict, kernel, model };
  } catch (e) {
    throw new ModelError(`the model failed on ${what}: ${(e as Error).message}`, { cause: e });
  }
}
