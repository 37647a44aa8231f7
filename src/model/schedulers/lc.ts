// Model of net/netfilter/ipvs/ip_vs_lc.c: least ip_vs_dest_conn_overhead(), first wins ties.
import { one } from '../decision.js';
import { connOverhead, rulesFor } from '../semantics.js';
import type { DestState, SchedulerModel } from '../types.js';

export const lc: SchedulerModel = {
  name: 'lc',
  schedule(svc, _pkt, ctx) {
    const acc = rulesFor(ctx.semantics).accounting;
    let least: DestState | null = null;
    let loh = 0;
    for (const dest of svc.destinations) {
      // if ((dest->flags & IP_VS_DEST_F_OVERLOAD) || atomic_read(&dest->weight) == 0) continue
      if (dest.overload || dest.weight === 0) continue;
      const doh = connOverhead(dest.activeConns, dest.inactConns, acc);
      // if (!least || doh < loh) — unsigned int in the kernel
      if (!least || doh >>> 0 < loh >>> 0) {
        least = dest;
        loh = doh;
      }
    }
    return one(least);
  },
};
