// A case as a timeline: per event, the destination each side chose, its error, and every
// destination's active and inactive counts, kernel and model side by side. `check` prints it;
// the HTML report plots it.
import type { Verdict } from '../compare/verdict.js';
import type { Observation, StepResult } from '../observation.js';
import { eventText, type Scenario } from '../scenario.js';

export interface Side {
  /** Per event: the destination a connect reached (null: none), undefined for other events. */
  chosen: (string | null | undefined)[];
  /** Per event: the error's name (ESRCH ...), if the event failed. */
  errors: (string | undefined)[];
  /** Per destination key, per event: its counts after the event, null while it does not exist. */
  active: Record<string, (number | null)[]>;
  inactive: Record<string, (number | null)[]>;
}

export interface Timeline {
  events: string[];
  /** Destination keys in order of first appearance: "10.2.0.1:80", or "SVC 10.2.0.1:80" with several services. */
  dests: string[];
  kernel: Side;
  model?: Side;
  /** Index of the event after which the first difference showed (events.length: the final listings). */
  firstDifference?: number;
  verdict?: Verdict;
}

function destKeys(obs: (Observation | undefined)[], services: number): string[] {
  const keys = new Set<string>();
  for (const o of obs) for (const st of o?.steps ?? []) for (const svc of st.table ?? []) for (const d of svc.dests) keys.add(services > 1 ? `${svc.svc} ${d.dest}` : d.dest);
  return [...keys];
}

function side(steps: StepResult[], n: number, dests: string[], services: number): Side {
  const s: Side = { chosen: [], errors: [], active: {}, inactive: {} };
  for (const d of dests) {
    s.active[d] = [];
    s.inactive[d] = [];
  }
  for (let i = 0; i < n; i++) {
    const st = steps.find((x) => x.index === i);
    s.chosen.push(st?.dest);
    s.errors.push(st?.error?.name);
    const rows = new Map<string, { active: number; inactive: number }>();
    for (const svc of st?.table ?? []) for (const d of svc.dests) rows.set(services > 1 ? `${svc.svc} ${d.dest}` : d.dest, d);
    for (const d of dests) {
      s.active[d]!.push(rows.get(d)?.active ?? null);
      s.inactive[d]!.push(rows.get(d)?.inactive ?? null);
    }
  }
  return s;
}

export function timelineOf(scenario: Scenario, kernel: Observation, model: Observation | undefined, verdict?: Verdict): Timeline {
  const n = scenario.events.length;
  const services = new Set(scenario.events.flatMap((e) => (e.op === 'svc-add' ? [e.svc] : []))).size;
  const dests = destKeys([kernel, model], services);
  const first = verdict?.kind === 'diverge' ? verdict.stepIndex : verdict?.kind === 'unknown' ? verdict.difference.stepIndex : undefined;
  return {
    events: scenario.events.map(eventText),
    dests,
    kernel: side(kernel.steps, n, dests, services),
    ...(model ? { model: side(model.steps, n, dests, services) } : {}),
    ...(first !== undefined ? { firstDifference: first } : {}),
    ...(verdict ? { verdict } : {}),
  };
}
