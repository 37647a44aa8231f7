// Model of net/netfilter/ipvs/ip_vs_fo.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const fo: SchedulerModel = {
  name: 'fo',
  schedule() {
    throw new Error('scheduler model "fo" is not written yet');
  },
};
