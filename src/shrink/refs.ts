// What each event defines and refers to, read generically from its fields, so that removing an
// event can take the events that depend on it along (a connection's fin without its connect is
// not a scenario). Fields added to the Scenario later join by name: `svc`, `dest`, `conn`.
import type { Event, Scenario } from '../scenario.js';

type Fields = Record<string, unknown>;
const str = (e: Event, k: string): string | undefined => {
  const v = (e as unknown as Fields)[k];
  return typeof v === 'string' ? v : undefined;
};

/** The entity an event brings into being: a service, a destination of a service, a connection. */
export function defines(e: Event): string | undefined {
  const svc = str(e, 'svc');
  if (e.op === 'svc-add' && svc) return `svc ${svc}`;
  if (e.op === 'dest-add' && svc) return `dest ${svc} ${str(e, 'dest')}`;
  if (e.op === 'connect') return `conn ${str(e, 'conn')}`;
  return undefined;
}

/** The entities an event needs (other than the one it defines). */
export function refers(e: Event): string[] {
  const own = defines(e);
  const svc = str(e, 'svc');
  const dest = str(e, 'dest');
  const conn = str(e, 'conn');
  const out: string[] = [];
  if (svc) out.push(`svc ${svc}`);
  if (svc && dest) out.push(`dest ${svc} ${dest}`);
  if (conn) out.push(`conn ${conn}`);
  return out.filter((r) => r !== own);
}

/**
 * The indices to remove so that removing `start` leaves no event whose entity is gone: an event
 * referring to a removed definition goes too, until that entity is defined again.
 */
export function closure(events: readonly Event[], start: Iterable<number>): Set<number> {
  const removed = new Set(start);
  const dead = new Set<string>();
  events.forEach((e, i) => {
    const own = defines(e);
    if (!removed.has(i) && refers(e).some((r) => dead.has(r))) removed.add(i);
    if (own === undefined) return;
    if (removed.has(i)) dead.add(own);
    else dead.delete(own);
  });
  return removed;
}

/** The scenario without the events at `indices` and those depending on them. */
export function without(s: Scenario, indices: Iterable<number>): Scenario {
  const gone = closure(s.events, indices);
  return { ...s, events: s.events.filter((_, i) => !gone.has(i)) };
}

/** Indices of the events whose field `k` equals `v`. */
export function eventsWith(s: Scenario, k: string, v: string): number[] {
  return s.events.flatMap((e, i) => (str(e, k) === v ? [i] : []));
}

export { str as fieldText };
