// Model of net/netfilter/ipvs/ip_vs_lblcr.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const lblcr: SchedulerModel = {
  name: 'lblcr',
  schedule() {
    throw new Error('scheduler model "lblcr" is not written yet');
  },
};
