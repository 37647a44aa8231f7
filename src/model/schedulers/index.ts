// Every scheduler the model knows, by the name the kernel registers.
import type { SchedulerModel } from '../types.js';
import { dh } from './dh.js';
import { fo } from './fo.js';
import { hprio } from './hprio.js';
import { lblc } from './lblc.js';
import { lblcr } from './lblcr.js';
import { lc } from './lc.js';
import { mh } from './mh.js';
import { nq } from './nq.js';
import { ovf } from './ovf.js';
import { rr } from './rr.js';
import { sed } from './sed.js';
import { sh } from './sh.js';
import { twos } from './twos.js';
import { wlc } from './wlc.js';
import { wrr } from './wrr.js';

export const SCHEDULERS: ReadonlyMap<string, SchedulerModel> = new Map(
  [rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos, hprio].map((s) => [s.name, s]),
);
