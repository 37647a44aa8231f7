// Model of net/netfilter/ipvs/ip_vs_wlc.c: least overhead / weight (see weighted.ts).
import { one } from '../decision.js';
import { connOverhead, rulesFor } from '../semantics.js';
import type { SchedulerModel } from '../types.js';
import { weightedLeast } from './weighted.js';

export const wlc: SchedulerModel = {
  name: 'wlc',
  schedule(svc, _pkt, ctx) {
    const acc = rulesFor(ctx.semantics).accounting;
    // loh = ip_vs_dest_conn_overhead(dest)
    return one(weightedLeast(svc, (d) => connOverhead(d.activeConns, d.inactConns, acc)));
  },
};
