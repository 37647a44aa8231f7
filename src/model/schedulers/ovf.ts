// Model of net/netfilter/ipvs/ip_vs_ovf.c: the highest weight whose active connections do not
// exceed its weight, first wins ties.
import { one } from '../decision.js';
import type { DestState, SchedulerModel } from '../types.js';

export const ovf: SchedulerModel = {
  name: 'ovf',
  schedule(svc) {
    let h: DestState | null = null;
    let hw = 0;
    for (const dest of svc.destinations) {
      const w = dest.weight;
      // if ((dest->flags & IP_VS_DEST_F_OVERLOAD) || atomic_read(&dest->activeconns) > w || w == 0) continue
      if (dest.overload || dest.activeConns > w || w === 0) continue;
      // if (!h || w > hw)
      if (!h || w > hw) {
        h = dest;
        hw = w;
      }
    }
    return one(h);
  },
};
