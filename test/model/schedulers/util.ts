// Direct scheduler calls on hand-made dest lists (no connections needed to set counters).
import { mkDest } from './hash-fixtures.js';
import type { Decision, DestState, SchedContext, SchedulerModel, Semantics, ServiceState } from '../../../src/model/types.js';
import { standaloneContext } from '../../../src/model/context.js';

/** Real server 10.2.0.<n>:80 (the fields hash-fixtures' mkDest gives, overridden by `f`). */
export function dest(n: number, f: Partial<DestState> = {}): DestState {
  return mkDest(`10.2.0.${n}:80`, f);
}

/** A service whose list is `dests` in the given order (index 0 = the list head's next). */
export function service(sched: SchedulerModel, dests: DestState[], semantics: Semantics = '6.1'): { svc: ServiceState; ctx: SchedContext } {
  const svc: ServiceState = { addr: '10.0.0.1', addrNum: 0x0a000001, port: 80, scheduler: sched.name, flags: 0, persistent: 0, netmask: 0xffffffff, destinations: [], schedData: undefined };
  const ctx: SchedContext = standaloneContext(semantics);
  sched.initService?.(svc, ctx);
  for (const d of [...dests].reverse()) {
    svc.destinations.unshift(d);
    sched.addDest?.(svc, d, ctx);
  }
  return { svc, ctx };
}

const PKT = { saddr: 0x0a010001, sport: 40000, daddr: 0x0a000001, dport: 80 };

/** The host number the scheduler picks (0: none). */
export function pick(sched: SchedulerModel, svc: ServiceState, ctx: SchedContext): number {
  const d: Decision = sched.schedule(svc, PKT, ctx);
  if (d.kind !== 'one') throw new Error('expected a deterministic decision');
  return d.dest ? Number(d.dest.addr.split('.')[3]) : 0;
}
