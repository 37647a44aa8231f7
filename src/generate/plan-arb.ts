// The fast-check arbitraries of a plan (plan.ts): service slots, operations, and the 'law' shape
// (one twos service, many connections) for the statistical check of twos's picks.
import fc from 'fast-check';
import { classicOpsArb, expirationArb, lifecycleOpsArb } from './lifecycle.js';
import {
  commonWeightArb,
  type ConnectOp,
  destCountBias,
  answeringDestIdArb,
  destIdArb,
  flagsArb,
  fwdArb,
  MAX_SLOTS,
  onArb,
  type Op,
  persistArb,
  persistDrawArb,
  type Plan,
  type SlotPlan,
  type Surface,
  type SvcChange,
  thresholdsArb,
  weightArb,
} from './plan.js';

export interface PlanArbOptions {
  schedulers: readonly string[];
  maxDests: number;
  maxOps: number;
  waits: boolean;
  surface: Surface;
  /** 'classic': the mix before the lifecycle (short waits only, no --set, sysctls, shut or port reuse). */
  mix: Mix;
}

export type Mix = 'standard' | 'classic';

const destPlanArb = fc.record({ id: destIdArb, weight: weightArb, th: thresholdsArb, fwd: fwdArb });
const destKeyOf = (d: { x: number; y: number; port: number }) => `${d.x}.${d.y}:${d.port}`;

function kindArb(s: Surface): fc.Arbitrary<SlotPlan['kind']> {
  const kinds: fc.WeightedArbitrary<SlotPlan['kind']>[] = [{ weight: 5, arbitrary: fc.constant('tcp' as const) }];
  if (s.udp) kinds.push({ weight: 2, arbitrary: fc.constant('udp' as const) });
  if (s.fwmark) kinds.push({ weight: 2, arbitrary: fc.constant('fwm' as const) });
  return fc.oneof(...kinds);
}

function slotArb(o: PlanArbOptions, maxDests: number, on: fc.Arbitrary<boolean>): fc.Arbitrary<SlotPlan> {
  return fc
    .record({
      on,
      kind: kindArb(o.surface),
      sharedVip: fc.boolean(),
      sharedPort: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }),
      scheduler: fc.constantFrom(...o.schedulers),
      flags: flagsArb,
      mixedFwd: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      // a quarter of the services are IPv6; shrinks to IPv4
      v6: o.surface.ipv6 ? fc.oneof({ withCrossShrink: true }, { weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) : fc.constant(false),
      persist: persistArb,
      ops: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      commonWeight: commonWeightArb,
      unit: fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3, 10, 100) }),
      pools: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.record({ upper: fc.integer({ min: 1, max: 4 }) }) }),
      expiration: expirationArb,
      destCount: destCountBias(maxDests),
      dests: fc.uniqueArray(destPlanArb, { minLength: 1, maxLength: maxDests, selector: (d) => destKeyOf(d.id), size: 'max' }),
      spares: fc.uniqueArray(destIdArb, { maxLength: 3, selector: destKeyOf }),
    })
    .map(({ destCount, dests, ...r }) => ({ ...r, dests: dests.slice(0, destCount) }));
}

/** A scheduler switch most often: that is where a scheduler's init meets live destinations. */
const svcChangeArb: fc.Arbitrary<SvcChange> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('sched' as const) },
  { weight: 3, arbitrary: fc.constantFrom<SvcChange>('flags', 'persist-on', 'persist-off', 'mask', 'ops', 'all') },
);

const BURST = fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) });
// Few client networks and hosts, so persistence masks group clients; sometimes anything.
const FEW_X = fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) });
const FEW_Y = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 254 }) });

function connectArb(n = BURST, x = FEW_X, y = FEW_Y): fc.Arbitrary<ConnectOp> {
  return fc.record({
    k: fc.constant('connect' as const),
    slot: fc.nat({ max: MAX_SLOTS - 1 }),
    n,
    x,
    y,
    port: fc.integer({ min: 1024, max: 65535 }),
    // fwmark targets: many addresses behind one mark, so hashing schedulers see many buckets
    host: fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 254 }) }),
    udp: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    tport: fc.oneof({ weight: 6, arbitrary: fc.constant(80) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) }),
  });
}

function destOpsArb(): fc.WeightedArbitrary<Op>[] {
  const slot = fc.nat({ max: MAX_SLOTS - 1 });
  const pick = fc.nat({ max: 63 });
  return [
    {
      weight: 6,
      arbitrary: fc.record({ k: fc.constant('edit' as const), slot, pick, what: fc.constantFrom('weight' as const, 'thresholds' as const, 'both' as const), weight: weightArb, th: thresholdsArb }),
    },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('quiesce' as const), slot, pick }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), slot, pick }) },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('add' as const),
        slot,
        pick,
        dup: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        weight: weightArb,
        th: thresholdsArb,
        fwd: fwdArb,
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('refwd' as const), slot, pick, fwd: fwdArb }) },
  ];
}

/** Traffic right after a service edit: usually several new clients, so templates rarely hide the scheduler. */
const afterEditArb = connectArb(
  // 0..2 a quarter of the time, else 3..8; one integer underneath, so it shrinks to any count
  fc.integer({ min: 0, max: 23 }).map((v) => (v < 6 ? v % 3 : 3 + ((v - 6) % 6))),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 1, max: 254 }),
);

function svcOpsArb(): fc.WeightedArbitrary<Op>[] {
  const slot = fc.nat({ max: MAX_SLOTS - 1 });
  return [
    {
      weight: 10,
      arbitrary: fc.record({ k: fc.constant('svc-edit' as const), slot, change: svcChangeArb, sched: fc.nat({ max: 3 * 64 - 1 }), flags: flagsArb, persist: persistDrawArb, ops: fc.boolean(), then: afterEditArb }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('svc-del' as const), slot, readd: fc.boolean(), dests: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('svc-readd' as const), slot, dests: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  ];
}

function opArb(o: PlanArbOptions): fc.Arbitrary<Op> {
  const pick = fc.nat({ max: 63 });
  const ops: fc.WeightedArbitrary<Op>[] = [
    { weight: 22, arbitrary: connectArb() },
    { weight: 9, arbitrary: fc.record({ k: fc.constant('fin' as const), pick }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('rst' as const), pick }) },
    ...destOpsArb(),
    ...svcOpsArb(),
  ];
  if (o.surface.udp || o.surface.fwmark || o.surface.tcpSend) ops.push({ weight: 4, arbitrary: fc.record({ k: fc.constant('send' as const), pick }) });
  ops.push(...(o.mix === 'classic' ? classicOpsArb(o.waits) : lifecycleOpsArb(o.waits)));
  return fc.oneof(...ops);
}

/** Slot 0 always (drawn on, yet it shrinks away like the others); a second and a third now and then. */
function slotsArb(o: PlanArbOptions): fc.Arbitrary<SlotPlan[]> {
  const first = slotArb(o, o.maxDests, onArb(1, 1_000_000));
  const more = slotArb(o, Math.min(o.maxDests, 6), onArb(1, 30));
  return fc.tuple(first, fc.array(more, { maxLength: MAX_SLOTS - 1 })).map(([a, rest]) => [a, ...rest]);
}

export function mixPlanArb(o: PlanArbOptions): fc.Arbitrary<Plan> {
  // No `chain`: every part shrinks on its own, and resolve.ts ties them together.
  return fc
    .record({
      slots: slotsArb(o),
      ops: fc.array(fc.record({ on: onArb(), op: opArb(o) }), { minLength: 1, maxLength: o.maxOps, size: 'max' }),
    })
    .map((r): Plan => ({ shape: 'mix', ...r }));
}

/**
 * One twos service with 2..5 destinations of weight 1..5 and 100..140 operations, nearly all
 * connects (a few closes): enough draws, with the load apart between destinations, for the law
 * test to tell twos from a pick that ignores the load.
 */
export function lawPlanArb(o: PlanArbOptions): fc.Arbitrary<Plan> {
  // answering servers only: a silent one's SYN_RECV entries would weigh apart from the law's load
  const dest = fc.record({ id: answeringDestIdArb, weight: fc.integer({ min: 1, max: 5 }), th: fc.constant<[number, number]>([0, 0]), fwd: fc.constant('masq' as const) });
  const slot = slotArb({ ...o, schedulers: ['twos'] }, 5, fc.constant(true)).map(
    (s): SlotPlan => ({ ...s, kind: 'tcp', mixedFwd: false, persist: undefined, pools: undefined, ops: false, expiration: undefined, unit: 1 }),
  );
  const pick = fc.nat({ max: 63 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 20, arbitrary: connectArb().map((c) => ({ ...c, slot: 0, n: 1 })) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('fin' as const), pick }) },
  );
  return fc
    .record({
      slot,
      dests: fc.uniqueArray(dest, { minLength: 2, maxLength: 5, selector: (d) => `${d.id.x}.${d.id.y}:${d.id.port}` }),
      ops: fc.array(fc.record({ on: onArb(), op }), { minLength: 100, maxLength: 140 }),
    })
    .map((r): Plan => ({ shape: 'law', slots: [{ ...r.slot, dests: r.dests }], ops: r.ops }));
}
