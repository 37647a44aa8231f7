// Model of net/netfilter/ipvs/ip_vs_nq.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const nq: SchedulerModel = {
  name: 'nq',
  schedule() {
    throw new Error('scheduler model "nq" is not written yet');
  },
};
