// Model of net/netfilter/ipvs/ip_vs_twos.c — not written yet.
import type { SchedulerModel } from '../types.js';

export const twos: SchedulerModel = {
  name: 'twos',
  schedule() {
    throw new Error('scheduler model "twos" is not written yet');
  },
};
