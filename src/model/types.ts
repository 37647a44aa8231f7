// The model's state, mirroring the kernel's structs (include/net/ip_vs.h), and the scheduler
// contract, mirroring struct ip_vs_scheduler. One scheduler model per file in ./schedulers/,
// named after the kernel's ip_vs_<name>.c; hooks a kernel scheduler leaves NULL are left out.
import type { LifecyclePath } from './reached.js';
import type { Timer } from './timers.js';

/** A rule set of the model (src/model/semantics.ts KERNEL_RULES), chosen by exact kernel version. */
export type Semantics = '6.1' | '6.12';

/** struct ip_vs_dest */
export interface DestState {
  /** Dotted quad, e.g. "10.2.0.3". */
  addr: string;
  /** The address as a host-order u32; IPv6 folded to one (the XOR of its words), as the kernel's hashes do. */
  addrNum: number;
  /** A number unique to the address (addr.ts ipInfo id; absent: addrNum, IPv4). */
  addrId?: number;
  port: number;
  weight: number;
  /** mh keeps the last non-zero weight (dest->last_weight). */
  lastWeight: number;
  uThreshold: number;
  lThreshold: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  /** IP_VS_DEST_F_OVERLOAD */
  overload: boolean;
  /** IP_VS_DEST_F_AVAILABLE: false while in the trash. */
  available: boolean;
}

/** Scheduler flag bits as the kernel stores them (IP_VS_SVC_F_SCHED1..3). */
export const SCHED_FLAG = {
  /** sh-fallback / mh-fallback */
  SCHED1: 0x0008,
  /** sh-port / mh-port */
  SCHED2: 0x0010,
  SCHED3: 0x0020,
} as const;

/** struct ip_vs_service */
export interface ServiceState {
  /** Host-order u32 of the VIP. */
  addrNum: number;
  addr: string;
  port: number;
  scheduler: string;
  /** IP_VS_SVC_F_* scheduler flag bits. */
  flags: number;
  /** Persistence timeout in seconds, 0 = not persistent. */
  persistent: number;
  /** Persistence netmask as a host-order u32. */
  netmask: number;
  /** svc->destinations in kernel list order: index 0 is the list head's next (the newest dest). */
  destinations: DestState[];
  /** svc->sched_data: whatever the scheduler keeps. */
  schedData: unknown;
  /**
   * Only while `delDest` runs: the entry that preceded the unlinked dest in the list (null: the list
   * head), i.e. what `dest->n_list.next->prev` reaches after list_del_rcu (ip_vs_rr_del_dest).
   */
  unlinkedPrev?: DestState | null;
}

/** What a scheduler sees of the packet that needs a destination (struct ip_vs_iphdr). */
export interface Packet {
  /** Client address, host-order u32. */
  saddr: number;
  sport: number;
  /** Virtual address, host-order u32 (IPv6: folded, see DestState.addrNum). */
  daddr: number;
  /** A number unique to the virtual address (absent: daddr): lblc/lblcr key their caches on the whole address. */
  daddrId?: number;
  dport: number;
}

/**
 * What a scheduler may consult and do besides its service: the kernel's semantics, its clock
 * (jiffies; a range when the kernel's observation leaves it open), its sysctls, its timer wheel
 * (lblc/lblcr's periodic checks), and dest references (a table entry holds its dest).
 */
export interface SchedContext {
  semantics: Semantics;
  hz: number;
  /** The jiffies the scheduler runs at (one jiffy when lo === hi). Read it, never replace it. */
  now: { readonly lo: number; readonly hi: number };
  /** Picks one of n outcomes the kernel's clock leaves open (the model explores each). */
  choose(n: number, why: string): number;
  /** A net.ipv4.vs sysctl the case set (its value as written), else undefined. */
  sysctl(name: string): number | undefined;
  newTimer(fn: (at: number) => void, what: string): Timer;
  /** mod_timer(t, jiffies + delay) */
  modTimer(t: Timer, delay: number): void;
  /** del_timer_sync(t) */
  delTimer(t: Timer): void;
  /** ip_vs_dest_hold() / ip_vs_dest_put(): a table entry holds its dest. */
  hold(d: DestState): void;
  put(d: DestState): void;
  /** Counts a lifecycle path reached (reached.ts). */
  reach(path: LifecyclePath): void;
}

/**
 * A scheduler's answer. `one` is a deterministic choice (null: no destination). `any` is honest
 * non-determinism (randomness, time the case does not control): every listed outcome is allowed,
 * and `commit` applies the state change for the outcome that actually happened.
 */
export type Decision =
  | { kind: 'one'; dest: DestState | null }
  | {
      kind: 'any';
      dests: (DestState | null)[];
      commit?: (chosen: DestState | null) => void;
      /** Where the choice is random by design (twos): each outcome's exact probability, aligned with dests. */
      probs?: number[];
    };

/** struct ip_vs_scheduler, as a model. */
export interface SchedulerModel {
  name: string;
  initService?(svc: ServiceState, ctx: SchedContext): void;
  doneService?(svc: ServiceState, ctx: SchedContext): void;
  /** Called after the dest is linked into svc.destinations (ip_vs_add_dest → __ip_vs_update_dest). */
  addDest?(svc: ServiceState, dest: DestState, ctx: SchedContext): void;
  /** Called after the dest is unlinked from svc.destinations (__ip_vs_unlink_dest). */
  delDest?(svc: ServiceState, dest: DestState, ctx: SchedContext): void;
  /** Called on edit (ip_vs_edit_dest → __ip_vs_update_dest). */
  updDest?(svc: ServiceState, dest: DestState, ctx: SchedContext): void;
  schedule(svc: ServiceState, pkt: Packet, ctx: SchedContext): Decision;
}
