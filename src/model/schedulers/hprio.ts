// Model of net/netfilter/ipvs/vm/modules/hprio (the 2005 hprio patch, by its stated intent) — not written yet.
import type { SchedulerModel } from '../types.js';

export const hprio: SchedulerModel = {
  name: 'hprio',
  schedule() {
    throw new Error('scheduler model "hprio" is not written yet');
  },
};
