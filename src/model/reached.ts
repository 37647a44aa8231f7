// What a case made the kernel do in its connection lifecycle, counted by the model as it runs (so
// a run can say how many cases reached each expiry path): expiries by state, templates expiring
// or put off (expire_later), OVERLOAD cleared on unbind by each rule, lblc/lblcr collections,
// dests leaving the trash, client ports reused.

/** Every path the summary reports, in its order. */
export const LIFECYCLE_PATHS = [
  'expire:ESTABLISHED',
  'expire:SYN_RECV',
  'expire:FIN_WAIT',
  'expire:TIME_WAIT',
  'expire:CLOSE',
  'expire:CLOSE_WAIT',
  'expire:LAST_ACK',
  'expire:UDP',
  'template:expire',
  'template:expire-later',
  'template:refresh',
  'unbind',
  'overload-clear:lower',
  'overload-clear:3/4',
  'overload-clear:unconditional',
  'overload-clear:l_threshold_val',
  'lblc:collect',
  'lblcr:collect',
  'lblcr:shrink',
  'trash:free',
  'port-reuse:resched',
  'port-reuse:resched-no-service',
  'port-reuse:same-entry',
  'timeouts:set',
  'sysctl:set',
] as const;

export type LifecyclePath = (typeof LIFECYCLE_PATHS)[number];

export type Reached = Partial<Record<LifecyclePath, number>>;

/**
 * Paths no case can reach, and why (the kernel's own code): the summary names them apart from
 * those the cases merely missed.
 */
export const OUT_OF_REACH: Partial<Record<LifecyclePath, string>> = {
  'expire:LAST_ACK': 'no packet enters LAST_ACK in tcp_states[]',
  'overload-clear:unconditional': 'runs only without thresholds, where OVERLOAD is never set',
};

/** Paths only one semantics' rules have (ip_vs_unbind_dest() before and after 6.12.104). */
export const RULES_OF: Partial<Record<LifecyclePath, string>> = {
  'overload-clear:lower': '6.1',
  'overload-clear:3/4': '6.1',
  'overload-clear:unconditional': '6.1',
  'overload-clear:l_threshold_val': '6.12',
};

export function reach(r: Reached, path: LifecyclePath, n = 1): void {
  r[path] = (r[path] ?? 0) + n;
}
