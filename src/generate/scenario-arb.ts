// The fast-check arbitrary behind every nightly case. It draws an abstract *plan* (a service, some
// destinations, a list of operations that refer to connections and destinations by position) and
// maps it to a concrete Scenario. Shrinking works on the plan, so removing an operation or a
// destination never leaves a `fin` without its `connect` or an edit of a destination that is gone:
// the mapping skips operations whose target no longer exists.
import fc from 'fast-check';
import { type DestFields, type Event, FWD_METHODS, type FwdMethod, NET, type Scenario } from '../scenario.js';
import { ALL_FLAGS, SCHEDULER_FLAGS } from './schedulers.js';

/** The one virtual service of every generated case. */
export const VIP = `${NET.vipPrefix}1:80`;

export interface ScenarioArbOptions {
  /** Schedulers to draw from (see schedulersFor). */
  schedulers: readonly string[];
  /** Most destinations set up before the first connection (1..16). */
  maxDests?: number;
  /** Most operations after the set-up (connects, closes, edits, ...). */
  maxOps?: number;
  /** Allow `wait` events (rare and short: the guest under TCG is slow). */
  waits?: boolean;
}

interface DestId {
  x: number;
  y: number;
  port: number;
}

/** A weight, or WCOMMON: "the value this scenario uses for many destinations" (ties). */
const WCOMMON = -1;

interface DestPlan {
  id: DestId;
  weight: number;
  th: [upper: number, lower: number];
  /** Its forwarding method when the plan mixes methods (`Plan.mixedFwd`), else masquerading. */
  fwd: FwdMethod;
}

type Op =
  | { k: 'connect'; x: number; y: number; port: number }
  | { k: 'fin' | 'rst'; pick: number }
  | { k: 'edit'; pick: number; what: 'weight' | 'thresholds' | 'both'; weight: number; th: [number, number] }
  | { k: 'quiesce'; pick: number }
  | { k: 'del'; pick: number }
  | { k: 'add'; pick: number; dup: boolean; weight: number; th: [number, number]; fwd: FwdMethod }
  | { k: 'refwd'; pick: number; fwd: FwdMethod }
  | { k: 'wait'; ms: number };

export interface Plan {
  /**
   * The 2005 hprio setup as a shape any scheduler gets now and then: the first half of the
   * destinations is a main pool (the highest weight, small upper thresholds `poolUpper`), the rest
   * a spillover pool (weight 1, no thresholds), so OVERLOAD is set and cleared often.
   */
  pools?: { upper: number };
  scheduler: string;
  flags: string[];
  /**
   * Destinations forward by masquerading, DR or ipip tunnel (each its own), and `refwd` edits
   * change a method; false: every destination masquerades and `refwd` is skipped.
   */
  mixedFwd: boolean;
  persist: { p: number; mask: string | undefined } | undefined;
  commonWeight: number;
  dests: DestPlan[];
  spares: DestId[];
  /**
   * The operations after the set-up, LAST FIRST: fast-check shrinks an array's length by keeping
   * its end, so keeping the scenario's beginning (where a divergence starts) needs the scenario's
   * first operation at the array's end. `on: false` drops one operation: its shrink is the
   * removal of that single operation, anywhere in the case.
   */
  ops: { on: boolean; op: Op }[];
}

const destKey = (d: DestId) => `${NET.serverPrefix}${d.x}.${d.y}:${d.port}`;

const destIdArb: fc.Arbitrary<DestId> = fc.record({
  x: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) }),
  y: fc.integer({ min: 1, max: 254 }),
  port: fc.oneof(
    { weight: 8, arbitrary: fc.constant(80) },
    { weight: 1, arbitrary: fc.constantFrom(81, 8080) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  ),
});

/** Weights 0..65535, biased to small values, to the scenario's common value (ties) and to 0. */
const weightArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(WCOMMON) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 100 }) },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 65535 }) },
);

const commonWeightArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 65535 }) },
);

/**
 * [upper, lower]: mostly none; small and near the few connections a case opens (so OVERLOAD is
 * set and cleared); sometimes large; rarely lower > upper, an input the kernel rejects (ERANGE).
 */
const thresholdsArb: fc.Arbitrary<[number, number]> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<[number, number]>([0, 0]) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.constant(0)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }))
      .map(([u, l]): [number, number] => [u, Math.min(u, l)]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 9, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
      .map(([u, l]): [number, number] => [u, Math.min(u, l)]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 }))
      .map(([u, d]): [number, number] => [u, u + d]),
  },
);

const NETMASKS = ['255.255.255.255', '255.255.255.0', '255.255.0.0', '255.255.255.252', '0.0.0.0'] as const;

const persistArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.record({
      p: fc.oneof({ weight: 4, arbitrary: fc.constant(300) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3600 }) }),
      mask: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...NETMASKS) }),
    }),
  },
);

/** Own flags for sh/mh (two bits); rarely some flag on any other scheduler (the kernel stores and lists it). */
const flagsArb = fc.record({
  own: fc.tuple(fc.boolean(), fc.boolean()),
  other: fc.oneof(
    { weight: 9, arbitrary: fc.constant<string[]>([]) },
    { weight: 1, arbitrary: fc.subarray([...ALL_FLAGS], { minLength: 1, maxLength: 2 }) },
  ),
});

function resolveFlags(scheduler: string, f: { own: [boolean, boolean]; other: string[] }): string[] {
  const own = SCHEDULER_FLAGS[scheduler];
  if (own) return own.filter((_, i) => f.own[i]);
  return f.other;
}

/** Shrinks to masquerading, the method every other case uses. */
const fwdArb: fc.Arbitrary<FwdMethod> = fc.constantFrom(...FWD_METHODS);

function opArb(waits: boolean): fc.Arbitrary<Op> {
  const pick = fc.nat({ max: 63 });
  const ops: fc.WeightedArbitrary<Op>[] = [
    {
      weight: 30,
      arbitrary: fc.record({
        k: fc.constant('connect' as const),
        // Few client networks and hosts, so persistence masks group clients; sometimes anything.
        x: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
        y: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 254 }) }),
        port: fc.integer({ min: 1024, max: 65535 }),
      }),
    },
    { weight: 9, arbitrary: fc.record({ k: fc.constant('fin' as const), pick }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('rst' as const), pick }) },
    {
      weight: 6,
      arbitrary: fc.record({
        k: fc.constant('edit' as const),
        pick,
        what: fc.constantFrom('weight' as const, 'thresholds' as const, 'both' as const),
        weight: weightArb,
        th: thresholdsArb,
      }),
    },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('quiesce' as const), pick }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), pick }) },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('add' as const),
        pick,
        dup: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        weight: weightArb,
        th: thresholdsArb,
        fwd: fwdArb,
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('refwd' as const), pick, fwd: fwdArb }) },
  ];
  if (waits) {
    ops.push({
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('wait' as const),
        ms: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 200 }) }, { weight: 1, arbitrary: fc.integer({ min: 201, max: 1500 }) }),
      }),
    });
  }
  return fc.oneof(...ops);
}

/** Mostly on; shrinks to off (fc.oneof's cross shrink tries the first arbitrary first). */
const onArb = fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant(false) }, { weight: 30, arbitrary: fc.constant(true) });

/** Number of destinations set up first: 1..max, biased to few. */
function destCountBias(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.min(6, max) }) },
    { weight: 3, arbitrary: fc.integer({ min: Math.min(3, max), max: Math.min(10, max) }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );
}

export function planArb(opts: ScenarioArbOptions): fc.Arbitrary<Plan> {
  if (opts.schedulers.length === 0) throw new Error('planArb: no scheduler to draw from');
  const maxDests = Math.max(1, Math.min(16, opts.maxDests ?? 16));
  const maxOps = opts.maxOps ?? 56;
  const destPlan = fc.record({ id: destIdArb, weight: weightArb, th: thresholdsArb, fwd: fwdArb });
  // No `chain`: every part shrinks on its own, and the mapping below ties them together.
  return fc
    .record({
      scheduler: fc.constantFrom(...opts.schedulers),
      flags: flagsArb,
      mixedFwd: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      persist: persistArb,
      commonWeight: commonWeightArb,
      destCount: destCountBias(maxDests),
      pools: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.record({ upper: fc.integer({ min: 1, max: 4 }) }) }),
      dests: fc.uniqueArray(destPlan, { minLength: 1, maxLength: maxDests, selector: (d) => destKey(d.id), size: 'max' }),
      spares: fc.uniqueArray(destIdArb, { maxLength: 3, selector: destKey }),
      ops: fc.array(fc.record({ on: onArb, op: opArb(opts.waits ?? true) }), { minLength: 1, maxLength: maxOps, size: 'max' }),
    })
    .map(
      (r): Plan => ({
        ...(r.pools ? { pools: r.pools } : {}),
        scheduler: r.scheduler,
        flags: resolveFlags(r.scheduler, r.flags),
        mixedFwd: r.mixedFwd,
        persist: r.persist,
        commonWeight: r.commonWeight,
        dests: r.dests.slice(0, r.destCount),
        spares: r.spares,
        ops: r.ops,
      }),
    );
}

/** Scenario arbitrary: plans mapped to concrete events. */
export function scenarioArb(opts: ScenarioArbOptions): fc.Arbitrary<Scenario> {
  return planArb(opts).map(planToScenario);
}

/** Only thresholds the kernel accepts change the state we track (ip_vs_add_dest: l > u is ERANGE). */
const accepted = (f: DestFields) => f.lower <= f.upper;

/**
 * Resolves a plan into events, tracking what the kernel will hold (present and deleted
 * destinations with their fields, open connections) so that every reference is valid.
 */
export function planToScenario(plan: Plan): Scenario {
  const w = (v: number) => (v === WCOMMON ? plan.commonWeight : v);
  // Masquerading is left implicit, so masquerading-only cases read as before.
  const fwd = (m: FwdMethod): { fwd?: FwdMethod } => (plan.mixedFwd && m !== 'masq' ? { fwd: m } : {});
  const svc = VIP;
  const events: Event[] = [];
  const svcAdd: Event = { op: 'svc-add', svc, scheduler: plan.scheduler };
  if (plan.flags.length) svcAdd.flags = [...plan.flags].sort();
  if (plan.persist) {
    svcAdd.persistent = plan.persist.p;
    if (plan.persist.mask !== undefined) svcAdd.netmask = plan.persist.mask;
  }
  events.push(svcAdd);

  const present = new Map<string, DestFields>(); // insertion order = order added
  const deleted: string[] = [];
  const spares: string[] = [];
  const mainPool = Math.ceil(plan.dests.length / 2);
  for (const [i, d] of plan.dests.entries()) {
    const dest = destKey(d.id);
    const f: DestFields = !plan.pools
      ? { weight: w(d.weight), upper: d.th[0], lower: d.th[1], ...fwd(d.fwd) }
      : i < mainPool
        ? { weight: 5, upper: plan.pools.upper, lower: Math.min(d.th[1], plan.pools.upper), ...fwd(d.fwd) }
        : { weight: 1, upper: 0, lower: 0, ...fwd(d.fwd) };
    events.push({ op: 'dest-add', svc, dest, ...f });
    if (accepted(f)) present.set(dest, f);
    else spares.push(dest); // rejected: it can be added later
  }
  for (const id of plan.spares) {
    const k = destKey(id);
    if (!present.has(k) && !spares.includes(k)) spares.push(k);
  }

  const open: string[] = [];
  const usedPorts = new Set<number>();
  let conns = 0;
  const at = <T>(list: T[], pick: number): T | undefined => (list.length ? list[pick % list.length] : undefined);

  for (let i = plan.ops.length - 1; i >= 0; i--) {
    const { on, op } = plan.ops[i]!;
    if (!on) continue;
    switch (op.k) {
      case 'connect': {
        // Each client port once per scenario: a closed connection leaves TIME_WAIT on the client.
        let port = op.port;
        while (usedPorts.has(port)) port = port >= 65535 ? 1024 : port + 1;
        usedPorts.add(port);
        const conn = `c${++conns}`;
        events.push({ op: 'connect', conn, svc, client: `${NET.clientPrefix}${op.x}.${op.y}`, cport: port });
        open.push(conn);
        break;
      }
      case 'fin':
      case 'rst': {
        if (!open.length) break;
        const i = op.pick % open.length;
        const [conn] = open.splice(i, 1);
        events.push({ op: op.k, conn: conn! });
        break;
      }
      case 'edit':
      case 'quiesce': {
        const dest = at([...present.keys()], op.pick);
        if (!dest) break;
        const cur = present.get(dest)!;
        let f: DestFields;
        if (op.k === 'quiesce') f = { ...cur, weight: 0 };
        else if (op.what === 'weight') f = { ...cur, weight: w(op.weight) };
        else if (op.what === 'thresholds') f = { ...cur, upper: op.th[0], lower: op.th[1] };
        else f = { weight: w(op.weight), upper: op.th[0], lower: op.th[1], ...fwd(cur.fwd ?? 'masq') };
        events.push({ op: 'dest-edit', svc, dest, ...f });
        if (accepted(f)) present.set(dest, f);
        break;
      }
      case 'refwd': {
        // dest-edit of the forwarding method alone: new connections take it, open ones keep theirs
        const dest = plan.mixedFwd ? at([...present.keys()], op.pick) : undefined;
        if (!dest) break;
        const { fwd: _old, ...rest } = present.get(dest)!;
        const f: DestFields = { ...rest, ...fwd(op.fwd) };
        events.push({ op: 'dest-edit', svc, dest, ...f });
        present.set(dest, f);
        break;
      }
      case 'del': {
        const dest = at([...present.keys()], op.pick);
        if (!dest) break;
        present.delete(dest);
        deleted.push(dest);
        events.push({ op: 'dest-del', svc, dest });
        break;
      }
      case 'add': {
        const f: DestFields = { weight: w(op.weight), upper: op.th[0], lower: op.th[1], ...fwd(op.fwd) };
        // Re-adding a deleted destination (the kernel restores it from its trash) or a new one;
        // rarely one that is present (EEXIST).
        const pool = op.dup ? [...present.keys()] : [...deleted, ...spares];
        const dest = at(pool, op.pick);
        if (!dest) break;
        events.push({ op: 'dest-add', svc, dest, ...f });
        if (!op.dup && accepted(f)) {
          present.set(dest, f);
          for (const list of [deleted, spares]) if (list.includes(dest)) list.splice(list.indexOf(dest), 1);
        }
        break;
      }
      case 'wait':
        events.push({ op: 'wait', ms: op.ms });
        break;
    }
  }
  return { version: 1, events };
}

/** The scheduler a generated scenario uses (its first svc-add). */
export function scenarioScheduler(s: Scenario): string {
  const first = s.events.find((e) => e.op === 'svc-add');
  return first && 'scheduler' in first ? first.scheduler : '?';
}
