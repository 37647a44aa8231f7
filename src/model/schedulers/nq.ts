// Model of net/netfilter/ipvs/ip_vs_nq.c: the first idle dest, else the sed minimum.
import { one } from '../decision.js';
import type { DestState, SchedulerModel } from '../types.js';
import { mulGt } from './weighted.js';

export const nq: SchedulerModel = {
  name: 'nq',
  schedule(svc) {
    let least: DestState | null = null;
    let loh = 0;
    for (const dest of svc.destinations) {
      // if (dest->flags & IP_VS_DEST_F_OVERLOAD || !atomic_read(&dest->weight)) continue
      if (dest.overload || !dest.weight) continue;
      const doh = (dest.activeConns + 1) | 0; // ip_vs_nq_dest_overhead()
      // return the server directly if it is idle: atomic_read(&dest->activeconns) == 0
      if (dest.activeConns === 0) return one(dest);
      // if (!least || (__s64)loh * dest->weight > (__s64)doh * least->weight)
      if (!least || mulGt(loh, dest.weight, doh, least.weight)) {
        least = dest;
        loh = doh;
      }
    }
    return one(least);
  },
};
