// The oracle: one scenario through the real kernel (a fresh namespace, via the backend) and through
// the model following the kernel's observation, judged by the comparison.
import type { Backend } from '../backend.js';
import { judgeFollowing } from './follow.js';
import { ModelError } from '../errors.js';
import type { Semantics } from '../model/types.js';
import type { Scenario } from '../scenario.js';
import type { Judged, Oracle } from '../shrink/shrink.js';

export function makeOracle(backend: Backend, semantics: Semantics): Oracle {
  return async (scenario: Scenario): Promise<Judged> => {
    const kernel = await backend.run(scenario);
    let model;
    let verdict;
    try {
      ({ verdict, model } = judgeFollowing(scenario, kernel, semantics));
    } catch (e) {
      throw new ModelError(`the model failed on this scenario: ${(e as Error).message}`, { cause: e });
    }
    return { verdict, kernel, model };
  };
}

