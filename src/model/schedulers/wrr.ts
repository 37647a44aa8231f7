// Model of net/netfilter/ipvs/ip_vs_wrr.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const wrr: SchedulerModel = {
  name: 'wrr',
  schedule() {
    throw new Error('scheduler model "wrr" is not written yet');
  },
};
