// Model of net/netfilter/ipvs/ip_vs_mh.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const mh: SchedulerModel = {
  name: 'mh',
  schedule() {
    throw new Error('scheduler model "mh" is not written yet');
  },
};
