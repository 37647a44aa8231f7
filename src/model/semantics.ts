// Every difference between the pinned kernels that the model follows, in one table: adding a
// kernel is one entry here (and its name in types.ts `Semantics`).
//
// Read from the exact sources of the pinned packages (vm/kernels.yaml), not from a later point
// release: linux-source-6.1 6.1.176-1 and linux-source-6.12 6.12.107-1~deb12u1. Note that the
// host's /work/ksrc/6.1 is 6.1.192 (Debian's linux-source-6.1 was upgraded), which already has the
// "totalconns" backport (it arrived in Debian 6.1.187); the pinned 6.1.176 does not.
import type { Semantics } from './types.js';

export interface KernelRules {
  /** CONFIG_HZ of the Debian kernel (jiffy = 1000 / hz ms). */
  hz: number;
  /**
   * How dest counters and OVERLOAD work:
   * - 'inactconns' (6.1.176): dest->inactconns is a real counter; ip_vs_bind_dest() sets OVERLOAD
   *   after *every* bind, templates included, when `active + inact >= u_threshold`;
   *   ip_vs_unbind_dest() clears it after every unbind by l_threshold, or 3/4 of u_threshold, or
   *   unconditionally; __ip_vs_update_dest() clears it when the new u is 0 or larger than the old.
   * - 'totalconns' (6.12.104+, 6.1.187+): dest->totalconns counts normal connections;
   *   __ip_vs_dest_update_overload() sets/clears OVERLOAD when totalconns crosses u_threshold /
   *   l_threshold_val (`l ?: u - (u >> 2)`); templates never take part; an edit re-evaluates only
   *   when u or l changed.
   */
  accounting: 'inactconns' | 'totalconns';
  /** ip_vs_add_dest()/ip_vs_edit_dest(): `u_threshold > INT_MAX` gives EINVAL (absent in 6.1.176). */
  uThresholdIntMaxCheck: boolean;
  /** Scheduler modules the kernel has (twos is not built in Debian's 6.1; hprio is the project's module). */
  schedulers: readonly string[];
}

const COMMON_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'hprio'];

export const KERNEL_RULES: Readonly<Record<Semantics, KernelRules>> = {
  '6.1': { hz: 250, accounting: 'inactconns', uThresholdIntMaxCheck: false, schedulers: COMMON_SCHEDULERS },
  '6.12': { hz: 250, accounting: 'totalconns', uThresholdIntMaxCheck: true, schedulers: [...COMMON_SCHEDULERS, 'twos'] },
};

export function rulesFor(semantics: Semantics): KernelRules {
  const r = KERNEL_RULES[semantics];
  if (!r) throw new Error(`unknown model semantics ${JSON.stringify(semantics)}: expected one of ${Object.keys(KERNEL_RULES).join(', ')}`);
  return r;
}

/**
 * ip_vs_dest_conn_overhead() (include/net/ip_vs.h):
 * 6.1.176 `(activeconns << 8) + inactconns`; 6.12.107 `(activeconns << 8) + totalconns`
 * where totalconns = active + inactive. `<< 8` on a C int wraps like the kernel's.
 */
export function connOverhead(active: number, inact: number, accounting: KernelRules['accounting']): number {
  const hi = (active << 8) | 0;
  return accounting === 'inactconns' ? (hi + inact) | 0 : (hi + active + inact) | 0;
}
