// The scenarios `ipvs-conform vm smoke` runs on each kernel, and what it checks of the results.
// Plain data and pure functions, so they are unit tested without a guest.
import type { Observation, StepResult } from '../../observation.js';
import type { Event, Scenario } from '../../scenario.js';

/** The VIP of the n-th scheduler's service (10.0.0.2 is the clients' own address, .254 the director's). */
export function smokeVip(i: number): string {
  return `10.0.0.${101 + i}:80`;
}

/** Destination weights: their sum (15) exceeds the ten connections, so ovf (which overflows past a weight's worth of active connections) places all. */
export const SMOKE_WEIGHTS = [4, 5, 6] as const;

/** One service per scheduler, three destinations, ten connections from distinct clients. */
export function schedulersScenario(schedulers: string[]): Scenario {
  const events: Event[] = [];
  schedulers.forEach((sched, i) => {
    const svc = smokeVip(i);
    events.push({ op: 'svc-add', svc, scheduler: sched });
    SMOKE_WEIGHTS.forEach((weight, d) =>
      events.push({ op: 'dest-add', svc, dest: `10.2.${i + 1}.${d + 1}:80`, weight, upper: 0, lower: 0 }),
    );
    for (let c = 1; c <= 10; c++)
      events.push({ op: 'connect', conn: `s${i + 1}c${c}`, svc, client: `10.1.${i + 1}.${c}`, cport: 40000 + c });
  });
  return { version: 1, events };
}

export const SEED = {
  svc: '10.0.0.1:80',
  main: ['10.2.0.21:80', '10.2.0.22:80', '10.2.0.23:80'],
  spillover: '10.2.0.13:80',
  clients: 160,
} as const;

/**
 * The 2005 patch's setup: `-A -t VIP:80 -s hprio -p 150`, three servers of weight 5 with
 * `-x 50 -y 20`, a spillover of weight 1 without thresholds, then 160 connections from distinct
 * clients: more than the main pool's 3 × 50, so the spillover must take the rest.
 */
export function seedScenario(): Scenario {
  const events: Event[] = [{ op: 'svc-add', svc: SEED.svc, scheduler: 'hprio', persistent: 150 }];
  for (const dest of SEED.main) events.push({ op: 'dest-add', svc: SEED.svc, dest, weight: 5, upper: 50, lower: 20 });
  events.push({ op: 'dest-add', svc: SEED.svc, dest: SEED.spillover, weight: 1, upper: 0, lower: 0 });
  for (let c = 1; c <= SEED.clients; c++)
    events.push({ op: 'connect', conn: `c${c}`, svc: SEED.svc, client: `10.1.${Math.floor(c / 250)}.${(c % 250) + 1}`, cport: 40000 });
  return { version: 1, events };
}

/** How many connections each destination got, per service (connect events only). */
export function connectCounts(scenario: Scenario, steps: StepResult[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const s of steps) {
    const e = scenario.events[s.index];
    if (e?.op !== 'connect') continue;
    const per = out.get(e.svc) ?? new Map<string, number>();
    const key = s.error ? `error:${s.error.name}` : (s.dest ?? 'none');
    per.set(key, (per.get(key) ?? 0) + 1);
    out.set(e.svc, per);
  }
  return out;
}

/** Problems with the per-scheduler run: a scheduler that could not be set up or left a connection unplaced. */
export function checkSchedulers(schedulers: string[], scenario: Scenario, obs: Observation): string[] {
  const problems: string[] = [];
  for (const s of obs.steps) {
    const e = scenario.events[s.index];
    if (e && e.op !== 'connect' && s.error) problems.push(`${e.op} ${'svc' in e ? e.svc : ''}: ${s.error.name} ${s.error.message}`);
  }
  const counts = connectCounts(scenario, obs.steps);
  schedulers.forEach((sched, i) => {
    const per = counts.get(smokeVip(i)) ?? new Map<string, number>();
    const placed = [...per].filter(([k]) => k.startsWith('10.2.')).reduce((n, [, v]) => n + v, 0);
    if (placed !== 10) problems.push(`${sched}: ${placed} of 10 connections reached a destination (${fmtCounts(per)})`);
  });
  return problems;
}

export interface SeedSummary {
  counts: Map<string, number>;
  /** Index (1-based) of the first connection the spillover took, if any. */
  firstSpill?: number;
  /** ActiveConn+InActConn of each main destination just before that connection. */
  mainLoadAtSpill?: Record<string, number>;
  problems: string[];
}

export function summarizeSeed(scenario: Scenario, obs: Observation): SeedSummary {
  const counts = connectCounts(scenario, obs.steps).get(SEED.svc) ?? new Map<string, number>();
  const problems: string[] = [];
  let n = 0;
  let prev: StepResult | undefined;
  let firstSpill: number | undefined;
  let mainLoadAtSpill: Record<string, number> | undefined;
  for (const s of obs.steps) {
    const e = scenario.events[s.index];
    if (e?.op === 'connect') {
      n++;
      if (s.dest === SEED.spillover && firstSpill === undefined) {
        firstSpill = n;
        const rows = prev?.table?.find((r) => r.svc === SEED.svc)?.dests ?? [];
        mainLoadAtSpill = Object.fromEntries(
          SEED.main.map((d) => {
            const r = rows.find((x) => x.dest === d);
            return [d, r ? r.active + r.inactive : -1];
          }),
        );
      }
    } else if (s.error) problems.push(`${e?.op}: ${s.error.name} ${s.error.message}`);
    prev = s;
  }
  if (firstSpill === undefined) problems.push(`the spillover ${SEED.spillover} took no connection of ${SEED.clients}`);
  for (const d of SEED.main) if (!counts.get(d)) problems.push(`main server ${d} took no connection`);
  return { counts, firstSpill, mainLoadAtSpill, problems };
}

export function fmtCounts(per: Map<string, number>): string {
  return [...per].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}×${v}`).join(' ') || 'nothing';
}
