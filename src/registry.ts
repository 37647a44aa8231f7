// The one list of the IPVS schedulers this harness knows, and of the scheduler flags (`-b`) by
// name: the generator, the model, the agent script, the listings and the case-file checks read
// it. The C agent's own flag table (vm/agent/src/case.c) is checked against it by a test.

/** Every scheduler Debian's 6.1 builds (all but twos, which came in 6.7), and hprio: the project's module. */
export const SCHEDULERS_6_1 = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'hprio'] as const;

/** Every scheduler name any pinned kernel has, in a stable order. */
export const ALL_SCHEDULERS: readonly string[] = [...SCHEDULERS_6_1, 'twos'];

/** The schedulers the kernel ships (hprio is built from vm/modules/hprio). */
export const KERNEL_OWN_SCHEDULERS: readonly string[] = ALL_SCHEDULERS.filter((s) => s !== 'hprio');

/**
 * Scheduler flags by name, each the N of the IP_VS_SVC_F_SCHEDN bit it sets
 * (include/uapi/linux/ip_vs.h): ipvsadm names SCHED1..2 after sh and mh, flag-N otherwise.
 */
export const FLAG_NUMBER: Readonly<Record<string, 1 | 2 | 3>> = {
  'sh-fallback': 1,
  'sh-port': 2,
  'mh-fallback': 1,
  'mh-port': 2,
  'flag-1': 1,
  'flag-2': 2,
  'flag-3': 3,
};

/** Every flag name the scenario format, the model and the agent accept. */
export const FLAG_NAMES: readonly string[] = Object.keys(FLAG_NUMBER);

/** Scheduler flags that mean something to each scheduler (SCHED1, SCHED2), under ipvsadm's names. */
export const SCHEDULER_FLAGS: Readonly<Record<string, readonly string[]>> = {
  sh: ['sh-fallback', 'sh-port'],
  mh: ['mh-fallback', 'mh-port'],
};

/** The named flags (the generator's mix; flag-1..3 are accepted but never generated). */
export const ALL_FLAGS: readonly string[] = Object.values(SCHEDULER_FLAGS).flat();
