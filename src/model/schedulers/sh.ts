// Model of net/netfilter/ipvs/ip_vs_sh.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const sh: SchedulerModel = {
  name: 'sh',
  schedule() {
    throw new Error('scheduler model "sh" is not written yet');
  },
};
