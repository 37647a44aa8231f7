// The kernel's side of judging: a scenario run on the backend. Trouble the kernel prints after a
// case has replied (its namespace is cleaned up asynchronously) belongs to that case; a command
// that runs one scenario at a time waits for it (`settle`), a run of many meets it on the guest's
// next case (KernelFinding.after) or when it drains the backend at the end.
import type { Backend } from '../backend.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';

/**
 * What the kernel did with `scenario`. Throws InfraError, or KernelFinding for the kernel's own
 * trouble: during the case, or with `settle` after it had replied.
 */
export async function runOnKernel(backend: Backend, scenario: Scenario, o: { settle?: boolean } = {}): Promise<Observation> {
  const observed = await backend.run(scenario);
  if (o.settle) await settle(backend);
  return observed;
}

/** Throws the first kernel trouble printed after the backend's last cases had replied (Backend.drain). */
export async function settle(backend: Backend): Promise<void> {
  const [late] = (await backend.drain?.()) ?? [];
  if (late) throw late;
}
