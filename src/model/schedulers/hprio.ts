// Model of the hprio scheduler from Roberto Nibali's 2005 patch (ported in vm/modules/hprio/),
// following its *stated intent*: "selects the server with the highest weight which hasn't set the
// IP_VS_DEST_F_OVERLOAD flag", round-robin among those, so a full main pool fails over at once to a
// lower-weight spillover pool.
//
// Where the patch's code and its intent differ, the model takes the intent: the patch checks
// OVERLOAD only when computing the maximum weight (ip_vs_hprio_max_weight), its selection loop picks
// any dest of that weight, overloaded or not. Here the loop also skips OVERLOAD.
//
// Cursor semantics (the patch's walk, with the overload check in the loop):
// - sched_data is the list entry last picked, or the head (null);
// - the walk starts at the entry after the cursor, wraps past the head, and ends with the cursor
//   itself (do { ... } while (q != p) with p = cursor->next);
// - a hit moves the cursor to the pick; a miss leaves it;
// - ip_vs_hprio_update_svc() resets the cursor to the head; the 2.4 API called it on every
//   destination add, edit and delete, so add_dest, upd_dest and del_dest do the same here;
// - the patch's loop never ends when nothing matches and the cursor is the head (it only stops
//   at p, and skips the head); the intent is "no destination", which the model returns.
import { one } from '../decision.js';
import type { DestState, SchedulerModel, ServiceState } from '../types.js';

interface HprioData {
  cursor: DestState | null;
}

const data = (svc: ServiceState) => svc.schedData as HprioData;

function reset(svc: ServiceState): void {
  data(svc).cursor = null;
}

export const hprio: SchedulerModel = {
  name: 'hprio',
  initService(svc) {
    svc.schedData = { cursor: null } satisfies HprioData;
  },
  addDest: reset,
  delDest: reset,
  updDest: reset,
  schedule(svc) {
    const list = svc.destinations;
    const n = list.length;
    // ip_vs_hprio_max_weight(): weight > max && !ip_vs_is_overloaded(dest), starting from 0
    let max = 0;
    for (const d of list) if (d.weight > max && !d.overload) max = d.weight;
    if (max === 0) return one(null);
    const d = data(svc);
    const start = d.cursor === null ? 0 : list.indexOf(d.cursor) + 1;
    for (let k = 0; k < n; k++) {
      const dest = list[(start + k) % n]!;
      // intent: weight > 0 && weight == max_weight && !OVERLOAD
      if (dest.weight > 0 && dest.weight === max && !dest.overload) {
        d.cursor = dest;
        return one(dest);
      }
    }
    return one(null);
  },
};
