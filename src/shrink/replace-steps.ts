// Replacement steps of the reduction pass: an event swapped for one that changes less, where the
// bug needs only what both do. A destination's deletion and a no-op edit of a destination both run
// the scheduler's hooks (del_dest, upd_dest: a cursor reset, a table rebuilt); the edit removes
// nothing, so a destination that lived only to be deleted can then go whole (removeDests).
import type { Event } from '../scenario.js';
import type { Candidate, Step } from './remove-steps.js';

type DestChange = Extract<Event, { op: 'dest-add' | 'dest-edit' }>;

/** The destinations the events before `end` leave, each as its last add or edit. */
function liveDests(events: readonly Event[], end: number): Map<string, DestChange> {
  const live = new Map<string, DestChange>();
  for (const e of events.slice(0, end)) {
    if (e.op === 'dest-add' || e.op === 'dest-edit') live.set(`${e.svc} ${e.dest}`, e);
    else if (e.op === 'dest-del') live.delete(`${e.svc} ${e.dest}`);
    else if (e.op === 'svc-del') for (const [k, d] of live) if (d.svc === e.svc) live.delete(k);
  }
  return live;
}

/**
 * Each destination's deletion replaced by a no-op edit of a destination of that service still
 * there: the others first (they let the deleted one go), then itself.
 */
export const deletionsAsEdits: Step = (s) =>
  s.events.flatMap((e, i) => {
    if (e.op !== 'dest-del') return [];
    const same = [...liveDests(s.events, i).values()].filter((d) => d.svc === e.svc);
    const order = [...same.filter((d) => d.dest !== e.dest), ...same.filter((d) => d.dest === e.dest)];
    return order.map((d): Candidate => {
      const events = s.events.slice();
      events[i] = { ...d, op: 'dest-edit' };
      return { scenario: { ...s, events }, label: `replace event ${i} (dest-del ${e.dest}) by a no-op edit of ${d.dest}` };
    });
  });
