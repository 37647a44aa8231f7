// Model of net/netfilter/ipvs/ip_vs_sed.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const sed: SchedulerModel = {
  name: 'sed',
  schedule() {
    throw new Error('scheduler model "sed" is not written yet');
  },
};
