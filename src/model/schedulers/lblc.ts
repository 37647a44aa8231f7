// Model of net/netfilter/ipvs/ip_vs_lblc.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const lblc: SchedulerModel = {
  name: 'lblc',
  schedule() {
    throw new Error('scheduler model "lblc" is not written yet');
  },
};
