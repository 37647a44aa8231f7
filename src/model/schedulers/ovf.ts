// Model of net/netfilter/ipvs/ip_vs_ovf.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const ovf: SchedulerModel = {
  name: 'ovf',
  schedule() {
    throw new Error('scheduler model "ovf" is not written yet');
  },
};
