// Model of net/netfilter/ipvs/ip_vs_dh.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const dh: SchedulerModel = {
  name: 'dh',
  schedule() {
    throw new Error('scheduler model "dh" is not written yet');
  },
};
