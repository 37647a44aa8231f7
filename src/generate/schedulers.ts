// Which schedulers each pinned kernel has, so a generator can be built before any guest is up.
// At run time the backend's Capabilities (what the guest can really load) take precedence.

/** Debian 6.1 builds every IPVS scheduler but twos; hprio is our out-of-tree module. */
const K61 = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'hprio'] as const;

export const KERNEL_SCHEDULERS: Readonly<Record<string, readonly string[]>> = {
  '6.1': K61,
  // ip_vs_twos.c arrived in 6.7.
  '6.12': [...K61, 'twos'],
};

/** Every scheduler name any pinned kernel has, in a stable order. */
export const ALL_SCHEDULERS: readonly string[] = [...K61, 'twos'];

/** Scheduler flags (`-b`) that mean something to each scheduler (IP_VS_SVC_F_SCHED1..2). */
export const SCHEDULER_FLAGS: Readonly<Record<string, readonly string[]>> = {
  sh: ['sh-fallback', 'sh-port'],
  mh: ['mh-fallback', 'mh-port'],
};

export const ALL_FLAGS: readonly string[] = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'];

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
