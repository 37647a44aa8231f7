// Model of net/netfilter/ipvs/ip_vs_rr.c. sched_data is the cursor: the list entry last picked,
// or the list head (null). add_dest is NULL in the kernel, so it is left out.
import { one } from '../decision.js';
import type { DestState, SchedulerModel, ServiceState } from '../types.js';

interface RrData {
  /** svc->sched_data: null is &svc->destinations (the head). */
  cursor: DestState | null;
}

const data = (svc: ServiceState) => svc.schedData as RrData;

export const rr: SchedulerModel = {
  name: 'rr',
  initService(svc) {
    // ip_vs_rr_init_svc: svc->sched_data = &svc->destinations
    svc.schedData = { cursor: null } satisfies RrData;
  },
  delDest(svc, dest) {
    // ip_vs_rr_del_dest: if (p == &dest->n_list) svc->sched_data = p->next->prev (the old prev)
    const d = data(svc);
    if (d.cursor === dest) d.cursor = svc.unlinkedPrev ?? null;
  },
  schedule(svc) {
    const d = data(svc);
    const list = svc.destinations;
    const n = list.length;
    const last = d.cursor;
    // The walk starts after the cursor; a cursor no longer in the list (cannot happen once
    // del_dest ran) is treated as the head.
    const start = last === null ? 0 : list.indexOf(last) + 1;
    const fromHead = last === null || start === 0;
    // do { list_for_each_entry_continue_rcu(...) } while (pass < 2 && p != &svc->destinations)
    for (let pass = 0; pass < (fromHead ? 1 : 2); pass++) {
      for (let i = pass === 0 ? start : 0; i < n; i++) {
        const dest = list[i]!;
        // if (!(dest->flags & IP_VS_DEST_F_OVERLOAD) && atomic_read(&dest->weight) > 0) HIT
        if (!dest.overload && dest.weight > 0) {
          d.cursor = dest;
          return one(dest);
        }
        if (dest === last) return one(null); // goto stop
      }
    }
    return one(null);
  },
};
