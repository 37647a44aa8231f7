// Model of net/netfilter/ipvs/ip_vs_rr.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const rr: SchedulerModel = {
  name: 'rr',
  schedule() {
    throw new Error('scheduler model "rr" is not written yet');
  },
};
