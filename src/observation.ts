// An Observation is what a backend (the real kernel, or the model) saw when it ran a Scenario.
// Both produce this same shape; neither decides pass or fail (that is src/compare/).
import type { AddrPort, SvcKey } from './scenario.js';

/** A kernel or ipvsadm error for one event, as the kernel gave it. */
export interface OpError {
  /** errno number as returned by the kernel (positive), e.g. 34. */
  errno: number;
  /** Symbolic name, e.g. "ERANGE". */
  name: string;
  /** Human text (strerror, or ipvsadm's own message where ipvsadm rejected the input). */
  message: string;
}

/** One destination row as the kernel reports it (netlink) or the model holds it. */
export interface DestRow {
  dest: AddrPort;
  /** "Masq" (the only forwarding method the topology routes). */
  fwd: string;
  weight: number;
  upper: number;
  lower: number;
  active: number;
  inactive: number;
  persistent: number;
}

export interface ServiceRow {
  /** The service key: "10.0.0.1:80", "udp/10.0.0.1:53", "fwm/5". */
  svc: SvcKey;
  scheduler: string;
  /** Scheduler flags, sorted: e.g. ["sh-fallback", "sh-port"]. */
  flags: string[];
  /** Persistence timeout in seconds, absent if not persistent. */
  persistent?: number;
  netmask?: string;
  /** One-packet scheduling (IP_VS_SVC_F_ONEPACKET), absent when off. */
  ops?: true;
  dests: DestRow[];
}

/** One row of `ipvsadm -L -n -c`, without the expiry time (time-dependent, never compared). */
export interface ConnRow {
  proto: string;
  state: string;
  source: AddrPort;
  virtual: AddrPort;
  dest: AddrPort;
}

export interface Listings {
  /** `ipvsadm -L -n`, raw text. */
  list: string;
  /** `ipvsadm -L -n --thresholds`, raw text. */
  thresholds: string;
  /** `ipvsadm -L -n --persistent-conn`, raw text. */
  persistent: string;
  /** `ipvsadm -L -n -c`, raw text (rows in hash order: compare as a set). */
  conns: string;
}

export interface StepResult {
  /** Index of the event in scenario.events. */
  index: number;
  /** Undefined when the event succeeded. */
  error?: OpError;
  /** For `connect`: the real server that accepted it, or null when the kernel found no destination. */
  dest?: AddrPort | null;
  /**
   * Model only: the destinations the model allows when the kernel's choice depends on randomness or
   * on time the case does not control. `dest` then holds the one the model continued with.
   */
  allowed?: (AddrPort | null)[];
  /**
   * Model only, where the kernel's choice is random by design (twos): each allowed outcome's exact
   * probability, aligned with `allowed`, and the service that drew it. The comparison checks the
   * kernel's picks against them (compare/law.ts).
   */
  probabilities?: number[];
  service?: string;
  /** Guest monotonic time in ms when the event completed (kernel backends). */
  t?: number;
  /**
   * The kernel's jiffies when the event started and when it completed (kernel backends whose agent
   * reads them): everything the event did, and every timer that fired during it, happened at a
   * jiffy in this range.
   */
  j?: [number, number];
  /** The kernel's jiffies around the read of `table`. */
  tableJ?: [number, number];
  /** The IPVS table after the event: every service with its destinations and counters. */
  table?: ServiceRow[];
  /**
   * Model only: from this step on the model cannot say what the kernel does (a timer fell inside the
   * uncertainty of the guest's clock). The comparison treats later differences as unknown, not as
   * divergences.
   */
  indeterminate?: string;
}

export interface Observation {
  /** Who produced it: "qemu", "docker" or "model". */
  backend: string;
  /** Pinned kernel name ("6.1") and, for a real kernel, `uname -r`. */
  kernel: { name: string; release?: string };
  /** Identity of what ran: module set hash, patches by content hash (kernel backends). */
  build?: { modules?: string; patches?: string[]; module?: string };
  steps: StepResult[];
  /** Listings taken after the last event. */
  listings?: Listings;
  /** The kernel's jiffies around the listings (each of the four is read somewhere in between). */
  listingsJ?: [number, number];
  /** CONFIG_HZ of the kernel that ran it (jiffies per second), when its agent reports it. */
  hz?: number;
  /**
   * The schedulers the kernel that ran it offered (kernel backends): a scheduler is a module or
   * not by build, not by the rule set (twos is in 6.12 before 6.12.104, which has the 6.1 rules).
   */
  schedulers?: string[];
  /**
   * Model only: the seconds the `-c` listing's expire column may show, [least, most], one per row
   * of `listings.conns` in its order: the kernel prints them from timer->expires and its jiffies
   * when it is read.
   */
  connExpire?: [number, number][];
  /**
   * Model only: where the kernel's clock left the model a choice (an event whose window held a
   * timer's firing, say), in the order they came: the step, how many outcomes, and why.
   */
  branches?: Branch[];
  /** Model only: the lifecycle paths the case reached, and how often (src/model/reached.ts). */
  reached?: Partial<Record<string, number>>;
}

/** A choice the model met (see Observation.branches). */
export interface Branch {
  step: number;
  n: number;
  why: string;
}
