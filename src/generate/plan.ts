// The abstract plan a generated case is drawn as: up to three service slots (TCP, UDP or fwmark,
// each with its own scheduler, flags, persistence and destinations) and one list of operations
// that refer to slots, connections and destinations by position. resolve.ts maps a plan to events.
// Shrinking works on the plan: a slot switched off drops its service and everything aimed at it.
import fc from 'fast-check';
import { FWD_METHODS, type FwdMethod } from '../scenario.js';
import { ALL_FLAGS } from './schedulers.js';

export const MAX_SLOTS = 3;

export interface DestId {
  x: number;
  y: number;
  port: number;
  /** A silent server (10.5.x.y: a SYN sent there is never answered, the entry stays SYN_RECV). */
  silent?: boolean;
}

/** A weight, or WCOMMON: "the value this service uses for many destinations" (ties). */
export const WCOMMON = -1;

export interface DestPlan {
  id: DestId;
  weight: number;
  th: [upper: number, lower: number];
  /** Its forwarding method when the slot mixes methods (`SlotPlan.mixedFwd`), else masquerading. */
  fwd: FwdMethod;
}

export type SvcKind = 'tcp' | 'udp' | 'fwm';

/** How long a wait is, by the lifecycle paths it reaches (lifecycle.ts WAIT_TIERS). */
export type WaitTier = 'instant' | 'close' | 'minute' | 'twomin' | 'trash' | 'established' | 'collect' | 'hours' | 'classic';

/** Flags as drawn: two own bits for sh/mh, rarely any flag elsewhere (resolveFlags). */
export interface FlagDraw {
  own: [boolean, boolean];
  other: string[];
}

export interface PersistDraw {
  p: number;
  mask: string | undefined;
}

export interface SlotPlan {
  /** Mostly on; shrinks to off, which drops the service, its destinations and its operations. */
  on: boolean;
  kind: SvcKind;
  /** Address services: share 10.0.0.1 with other slots, and port 80, or take the slot's own. */
  sharedVip: boolean;
  sharedPort: boolean;
  scheduler: string;
  flags: FlagDraw;
  /**
   * Destinations forward by masquerading, DR or ipip tunnel (each its own), and `refwd` edits
   * change a method; false: every destination masquerades and `refwd` is skipped. TCP slots only.
   */
  mixedFwd: boolean;
  /** An IPv6 service (its destinations and clients too: the 2001:db8:X::/48 plan). */
  v6: boolean;
  persist: PersistDraw | undefined;
  ops: boolean;
  commonWeight: number;
  /**
   * Every weight of the service is a multiple of this (10, 20, 30 as admins write them): the
   * weights' gcd is then > 1, which wrr's interval (di) follows.
   */
  unit: number;
  /** The 2005 hprio setup: a main pool of weight 5 with small upper thresholds, a weight-1 spillover. */
  pools: { upper: number } | undefined;
  /**
   * lblc/lblcr only: sysctl lblc(r)_expiration in seconds, set with the service (24 h otherwise),
   * so the periodic full check collects idle entries within a case.
   */
  expiration: number | undefined;
  dests: DestPlan[];
  spares: DestId[];
}

/** What a svc-edit changes (ipvsadm -E sends every field; the others keep their values). */
export type SvcChange = 'sched' | 'flags' | 'persist-on' | 'persist-off' | 'mask' | 'ops' | 'all';

/** `n` clients in a row (x, y+1, ... ; ports port, port+1, ...): traffic goes on after a change. */
export interface ConnectOp {
  k: 'connect';
  slot: number;
  n: number;
  x: number;
  y: number;
  port: number;
  /** fwmark targets: 10.0.MARK.host, host+1, ...; a UDP or a TCP target; its port. */
  host: number;
  udp: boolean;
  tport: number;
}

export type Op =
  | ConnectOp
  | { k: 'fin'; pick: number }
  | { k: 'rst'; pick: number }
  | { k: 'send'; pick: number }
  | { k: 'edit'; slot: number; pick: number; what: 'weight' | 'thresholds' | 'both'; weight: number; th: [number, number] }
  | { k: 'quiesce'; slot: number; pick: number }
  | { k: 'del'; slot: number; pick: number }
  | { k: 'add'; slot: number; pick: number; dup: boolean; weight: number; th: [number, number]; fwd: FwdMethod }
  | { k: 'refwd'; slot: number; pick: number; fwd: FwdMethod }
  /** `then`: connections to the service right after the edit (a scheduler switched under load). */
  | { k: 'svc-edit'; slot: number; change: SvcChange; sched: number; flags: FlagDraw; persist: PersistDraw; ops: boolean; then: ConnectOp }
  /** `readd`: add the service again at once (with its former destinations when `dests`: the trash restores them). */
  | { k: 'svc-del'; slot: number; readd: boolean; dests: boolean }
  | { k: 'svc-readd'; slot: number; dests: boolean }
  /** A wait of a lifecycle tier (lifecycle.ts WAIT_TIERS): `at` places it within the tier's range. */
  | { k: 'wait'; tier: WaitTier; at: number }
  /** Half-close a TCP connection from one side, then maybe wait for its timer (CLOSE_WAIT 60 s, FIN_WAIT 120 s). */
  | { k: 'shut'; pick: number; server: boolean; then: WaitTier | undefined; at: number }
  /** Close up to n open TCP connections (RST, or FIN), then wait for their timers (CLOSE 10 s, TIME_WAIT 120 s): unbinds. */
  | { k: 'drain'; pick: number; n: number; fin: boolean; at: number }
  /** A new connection from the address and port of a closed one, to the same target (port reuse). */
  | { k: 'reconnect'; pick: number }
  /** ipvsadm --set TCP TCPFIN UDP (seconds; 0 keeps a value). */
  | { k: 'timeouts'; tcp: number; tcpfin: number; udp: number }
  /** A net.ipv4.vs sysctl the model follows (lifecycle.ts SYSCTLS). */
  | { k: 'sysctl'; which: number; value: number };

export interface Plan {
  /** 'law': one twos service and many connections, for the statistical check of its picks. */
  shape: 'mix' | 'law';
  slots: SlotPlan[];
  /**
   * The operations after the set-up, LAST FIRST: fast-check shrinks an array's length by keeping
   * its end, so keeping the scenario's beginning (where a divergence starts) needs the scenario's
   * first operation at the array's end. `on: false` drops one operation.
   */
  ops: { on: boolean; op: Op }[];
}

/** What the generator may draw beyond TCP services (the surface the agent and model support). */
export interface Surface {
  udp: boolean;
  fwmark: boolean;
  /** `send` on TCP connections (UDP ones always may). */
  tcpSend: boolean;
  /** IPv6 services. */
  ipv6: boolean;
}

const destIdFields = {
  x: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) }),
  y: fc.integer({ min: 1, max: 254 }),
  port: fc.oneof(
    { weight: 8, arbitrary: fc.constant(80) },
    { weight: 1, arbitrary: fc.constantFrom(81, 8080) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  ),
};

/** A real server that answers: 10.2.x.y (x mostly 0), port mostly 80. */
export const answeringDestIdArb: fc.Arbitrary<DestId> = fc.record(destIdFields);

export const destIdArb: fc.Arbitrary<DestId> = fc
  .record({
    ...destIdFields,
    // now and then a silent server (SYN_RECV entries, which only their timer ends)
    silent: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map(({ silent, ...d }) => (silent ? { ...d, silent } : d));

/** Weights 0..65535, biased to small values, to the service's common value (ties) and to 0. */
export const weightArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(WCOMMON) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 100 }) },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 65535 }) },
);

export const commonWeightArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 65535 }) },
);

/**
 * [upper, lower]: mostly none; small and near the few connections a case opens (so OVERLOAD is
 * set and cleared); sometimes large; rarely lower > upper, an input the kernel rejects (ERANGE).
 */
export const thresholdsArb: fc.Arbitrary<[number, number]> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<[number, number]>([0, 0]) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.constant(0)) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })).map(([u, l]): [number, number] => [u, Math.min(u, l)]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 9, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([u, l]): [number, number] => [u, Math.min(u, l)]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 })).map(([u, d]): [number, number] => [u, u + d]),
  },
);

/** Shrinks to masquerading, the method every other case uses. */
export const fwdArb: fc.Arbitrary<FwdMethod> = fc.constantFrom(...FWD_METHODS);

export const NETMASKS = ['255.255.255.255', '255.255.255.0', '255.255.0.0', '255.255.255.252', '0.0.0.0'] as const;

export const persistDrawArb: fc.Arbitrary<PersistDraw> = fc.record({
  // ipvsadm's default 300 s; short ones too, so templates expire (and are put off) within a case
  p: fc.oneof({ weight: 3, arbitrary: fc.constant(300) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 61, max: 3600 }) }),
  mask: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...NETMASKS) }),
});

export const persistArb: fc.Arbitrary<PersistDraw | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: persistDrawArb },
);

export const flagsArb: fc.Arbitrary<FlagDraw> = fc.record({
  own: fc.tuple(fc.boolean(), fc.boolean()),
  other: fc.oneof(
    { weight: 9, arbitrary: fc.constant<string[]>([]) },
    { weight: 1, arbitrary: fc.subarray([...ALL_FLAGS], { minLength: 1, maxLength: 2 }) },
  ),
});

/** Mostly on; shrinks to off (fc.oneof's cross shrink tries the first arbitrary first). */
export const onArb = (offWeight = 1, onWeight = 30): fc.Arbitrary<boolean> =>
  fc.oneof({ withCrossShrink: true }, { weight: offWeight, arbitrary: fc.constant(false) }, { weight: onWeight, arbitrary: fc.constant(true) });

/** Number of destinations set up first: 1..max, biased to few. */
export function destCountBias(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.min(6, max) }) },
    { weight: 3, arbitrary: fc.integer({ min: Math.min(3, max), max: Math.min(10, max) }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );
}
