// Model of net/netfilter/ipvs/ip_vs_sed.c: least (activeconns + 1) / weight (see weighted.ts).
import { one } from '../decision.js';
import type { DestState, SchedulerModel } from '../types.js';
import { weightedLeast } from './weighted.js';

/** ip_vs_sed_dest_overhead(): atomic_read(&dest->activeconns) + 1 */
const overhead = (d: DestState) => (d.activeConns + 1) | 0;

export const sed: SchedulerModel = {
  name: 'sed',
  schedule(svc) {
    return one(weightedLeast(svc, overhead));
  },
};
