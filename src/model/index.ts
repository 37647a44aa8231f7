// The reference model's entry point. Not written yet: see src/model/types.ts for the contract.
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import type { Semantics } from './types.js';

export interface ModelOptions {
  semantics: Semantics;
  /**
   * The kernel's Observation of the same scenario, when there is one: where the model allows
   * several outcomes it continues with the one the kernel took (if allowed), and it reads the
   * guest's clock (`t`) to place timers.
   */
  follow?: Observation;
}

export function runModel(_scenario: Scenario, _opts: ModelOptions): Observation {
  throw new Error('runModel is not written yet');
}
