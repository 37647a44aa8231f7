// A small scenario builder for the model's tests: each test reads as the story it tells.
import { runModel } from '../../src/model/index.js';
import type { Semantics } from '../../src/model/types.js';
import type { Observation, ServiceRow } from '../../src/observation.js';
import type { DestFields, Event, Scenario, ServiceFields } from '../../src/scenario.js';

export const SVC = '10.0.0.1:80';
export const rs = (n: number, port = 80) => `10.2.0.${n}:${port}`;

export class Story {
  readonly events: Event[] = [];
  private n = 0;

  constructor(scheduler?: string, extra: Omit<ServiceFields, 'scheduler'> = {}) {
    if (scheduler) this.events.push({ op: 'svc-add', svc: SVC, scheduler, ...extra });
  }
  add(n: number, f: Partial<DestFields> = {}): this {
    this.events.push({ op: 'dest-add', svc: SVC, dest: rs(n), weight: 1, upper: 0, lower: 0, ...f });
    return this;
  }
  edit(n: number, f: Partial<DestFields> = {}): this {
    this.events.push({ op: 'dest-edit', svc: SVC, dest: rs(n), weight: 1, upper: 0, lower: 0, ...f });
    return this;
  }
  del(n: number): this {
    this.events.push({ op: 'dest-del', svc: SVC, dest: rs(n) });
    return this;
  }
  /** Connections named c1, c2, ... from 10.1.<net>.<host0 + i>. */
  connect(count: number, net = 0, host0 = 1): this {
    for (let i = 0; i < count; i++) {
      this.n++;
      this.events.push({ op: 'connect', conn: `c${this.n}`, svc: SVC, client: `10.1.${net}.${host0 + i}`, cport: 40000 + this.n });
    }
    return this;
  }
  fin(...conns: number[]): this {
    for (const c of conns) this.events.push({ op: 'fin', conn: `c${c}` });
    return this;
  }
  rst(...conns: number[]): this {
    for (const c of conns) this.events.push({ op: 'rst', conn: `c${c}` });
    return this;
  }
  wait(ms: number): this {
    this.events.push({ op: 'wait', ms });
    return this;
  }
  push(e: Event): this {
    this.events.push(e);
    return this;
  }
  scenario(): Scenario {
    return { version: 1, events: this.events };
  }
  run(semantics: Semantics = '6.1'): Observation {
    return runModel(this.scenario(), { semantics });
  }
}

/** The destinations the connects went to, as host numbers (10.2.0.3:80 → 3, none → 0). */
export function picks(obs: Observation): number[] {
  return obs.steps.filter((s) => s.dest !== undefined).map((s) => (s.dest ? Number(s.dest.split(':')[0]!.split('.')[3]) : 0));
}

/** The last table's dest rows by host number. */
export function lastDests(obs: Observation): Record<number, ServiceRow['dests'][number]> {
  const t = obs.steps[obs.steps.length - 1]!.table!;
  const out: Record<number, ServiceRow['dests'][number]> = {};
  for (const s of t) for (const d of s.dests) out[Number(d.dest.split(':')[0]!.split('.')[3])] = d;
  return out;
}
