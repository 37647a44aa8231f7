// Model of net/netfilter/ipvs/ip_vs_lc.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const lc: SchedulerModel = {
  name: 'lc',
  schedule() {
    throw new Error('scheduler model "lc" is not written yet');
  },
};
