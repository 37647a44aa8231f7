// Which schedulers each pinned kernel has, so a generator can be built before any guest is up.
// At run time the backend's Capabilities (what the guest can really load) take precedence.

import { ALL_SCHEDULERS, SCHEDULERS_6_1 as K61 } from '../registry.js';

export { ALL_FLAGS, ALL_SCHEDULERS, SCHEDULER_FLAGS } from '../registry.js';

export const KERNEL_SCHEDULERS: Readonly<Record<string, readonly string[]>> = {
  '6.1': K61,
  // ip_vs_twos.c arrived in 6.7.
  '6.12': ALL_SCHEDULERS,
};

/**
 * The schedulers to generate for a kernel: the backend's own list when we have it (only the names
 * this harness knows how to model), else the static table; `wanted` narrows it further.
 */
export function schedulersFor(kernel: string, capabilities?: { schedulers: string[] }, wanted?: readonly string[]): string[] {
  const base = capabilities
    ? ALL_SCHEDULERS.filter((s) => capabilities.schedulers.includes(s))
    : [...(KERNEL_SCHEDULERS[kernel] ?? K61)];
  return wanted && wanted.length ? base.filter((s) => wanted.includes(s)) : base;
}
