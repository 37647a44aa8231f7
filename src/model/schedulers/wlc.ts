// Model of net/netfilter/ipvs/ip_vs_wlc.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const wlc: SchedulerModel = {
  name: 'wlc',
  schedule() {
    throw new Error('scheduler model "wlc" is not written yet');
  },
};
