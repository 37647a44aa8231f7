// Model of net/netfilter/ipvs/ip_vs_fo.c: the highest weight without OVERLOAD, first wins ties.
import { one } from '../decision.js';
import type { DestState, SchedulerModel } from '../types.js';

export const fo: SchedulerModel = {
  name: 'fo',
  schedule(svc) {
    let hweight: DestState | null = null;
    let hw = 0;
    for (const dest of svc.destinations) {
      // if (!(dest->flags & IP_VS_DEST_F_OVERLOAD) && atomic_read(&dest->weight) > hw)
      if (!dest.overload && dest.weight > hw) {
        hweight = dest;
        hw = dest.weight;
      }
    }
    return one(hweight);
  },
};
