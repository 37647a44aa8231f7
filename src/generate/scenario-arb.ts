// The fast-check arbitrary behind every nightly case. It draws an abstract *plan* (plan.ts: up to
// three services, their destinations, a list of operations that refer to slots, connections and
// destinations by position) and maps it to a concrete Scenario (resolve.ts). Shrinking works on
// the plan, so removing an operation, a destination or a whole service never leaves a `fin`
// without its `connect` or an edit of something that is gone.
import fc from 'fast-check';
import type { Event, Scenario } from '../scenario.js';
import { markOf, parseTarget } from '../service-key.js';
import { lawPlanArb, type Mix, mixPlanArb, type PlanArbOptions } from './plan-arb.js';
import type { Plan, Surface } from './plan.js';
import { planToScenario as resolve } from './resolve.js';

export { VIP } from './resolve.js';
export type { Plan } from './plan.js';

export interface ScenarioArbOptions {
  /** Schedulers to draw from (see schedulersFor). */
  schedulers: readonly string[];
  /** Most destinations a service sets up before the first connection (1..16). */
  maxDests?: number;
  /** Most operations after the set-up (connects, closes, edits, ...). */
  maxOps?: number;
  /** Allow `wait` events (the guests run on virtual time: minutes cost little; see lifecycle.ts). */
  waits?: boolean;
  /** What beyond TCP services to draw (default: all the harness supports). */
  surface?: Partial<Surface>;
  /** 'standard' (default) or 'classic': the mix before the lifecycle, for comparisons (bench). */
  mix?: Mix;
}

/** What the agent and the model support beyond TCP services: all of it, by default. */
export const DEFAULT_SURFACE: Surface = { udp: true, fwmark: true, tcpSend: true, ipv6: true };

function planOptions(opts: ScenarioArbOptions): PlanArbOptions {
  if (opts.schedulers.length === 0) throw new Error('planArb: no scheduler to draw from');
  return {
    schedulers: opts.schedulers,
    maxDests: Math.max(1, Math.min(16, opts.maxDests ?? 16)),
    maxOps: opts.maxOps ?? 30,
    waits: opts.waits ?? true,
    surface: { ...DEFAULT_SURFACE, ...(opts.mix === 'classic' ? { tcpSend: false } : {}), ...opts.surface },
    mix: opts.mix ?? 'standard',
  };
}

/** The standard mix; one case in twenty is twos's law shape where twos is among the schedulers. */
export function planArb(opts: ScenarioArbOptions): fc.Arbitrary<Plan> {
  const o = planOptions(opts);
  if (!o.schedulers.includes('twos')) return mixPlanArb(o);
  return fc.oneof({ weight: 19, arbitrary: mixPlanArb(o) }, { weight: 1, arbitrary: lawPlanArb(o) });
}

/** Scenario arbitrary: plans mapped to concrete events. */
export function scenarioArb(opts: ScenarioArbOptions): fc.Arbitrary<Scenario> {
  const o = planOptions(opts);
  return planArb(opts).map((p) => resolve(p, { schedulers: o.schedulers, tcpSend: o.surface.tcpSend, classic: o.mix === 'classic' }));
}

export function planToScenario(plan: Plan, opts: ScenarioArbOptions): Scenario {
  const o = planOptions(opts);
  return resolve(plan, { schedulers: o.schedulers, tcpSend: o.surface.tcpSend, classic: o.mix === 'classic' });
}

/** The scheduler a generated scenario is filed under: its first svc-add's. */
export function scenarioScheduler(s: Scenario): string {
  const first = s.events.find((e) => e.op === 'svc-add');
  return first && 'scheduler' in first ? first.scheduler : '?';
}

/** Every scheduler a scenario's services use (svc-add and svc-edit), in order of first use. */
export function scenarioSchedulers(s: Scenario): string[] {
  const out = new Set<string>();
  for (const e of s.events) if (e.op === 'svc-add' || e.op === 'svc-edit') out.add(e.scheduler);
  return [...out];
}

/** The scheduler of the service an event concerns, as it is when the event runs (undefined: none). */
export function eventScheduler(s: Scenario, index: number): string | undefined {
  const sched = new Map<string, string>();
  const connSvc = new Map<string, string>();
  let result: string | undefined;
  const svcOf = (e: Event): string | undefined => {
    if (e.op === 'connect') return serviceOfTarget(e.svc, sched);
    if (e.op === 'send' || e.op === 'fin' || e.op === 'rst') return connSvc.get(e.conn);
    return 'svc' in e ? e.svc : undefined;
  };
  s.events.slice(0, index + 1).forEach((e, i) => {
    if (e.op === 'svc-add' || e.op === 'svc-edit') sched.set(e.svc, e.scheduler);
    const svc = svcOf(e);
    if (e.op === 'connect' && svc) connSvc.set(e.conn, svc);
    if (i === index) result = svc ? sched.get(svc) : undefined;
    if (e.op === 'svc-del') sched.delete(e.svc);
  });
  return result;
}

/** The service key a target reaches: its fwmark service when there is one (the address plan). */
function serviceOfTarget(target: string, live: Map<string, string>): string {
  const t = parseTarget(target);
  const fwm = `${t.af === 6 ? 'fwm6' : 'fwm'}/${markOf(t)}`;
  return markOf(t) && live.has(fwm) ? fwm : target;
}
