// `golden --diff K1 K2`: the golden scenarios run on two real kernels, and for each the first event
// where what they decided differs (an errno, the chosen server, the table after the event), else
// the first listing that differs. Only what the golden corpus keeps is compared (no clocks), so two
// runs of one kernel show no difference. How a user sees that a kernel update changes scheduling.
import type { Backend } from '../backend.js';
import { runOnKernel, settle } from '../judge/kernel-run.js';
import { connSetText } from '../compare/conns.js';
import { tableText } from '../compare/tables.js';
import type { Observation } from '../observation.js';
import { eventText, type Scenario } from '../scenario.js';
import { toGoldenSteps } from './corpus.js';
import { goldenCases } from './templates.js';

export interface KernelDifference {
  /** Event index, or undefined for a listing after the last event. */
  step?: number;
  /** The event, as text; or the listing's command. */
  where: string;
  what: 'error' | 'dest' | 'table' | 'listing';
  a: string;
  b: string;
}

const LISTINGS: [keyof NonNullable<Observation['listings']>, string][] = [
  ['list', 'ipvsadm -L -n'],
  ['thresholds', 'ipvsadm -L -n --thresholds'],
  ['persistent', 'ipvsadm -L -n --persistent-conn'],
  ['conns', 'ipvsadm -L -n -c (as a set, no expiry)'],
];

/** The first difference between two kernels' observations of one scenario, or undefined. */
export function firstDifference(scenario: Scenario, a: Observation, b: Observation): KernelDifference | undefined {
  const [sa, sb] = [toGoldenSteps(a.steps), toGoldenSteps(b.steps)];
  for (let i = 0; i < scenario.events.length; i++) {
    const where = `event ${i} ${eventText(scenario.events[i]!)}`;
    const [x, y] = [sa[i] ?? {}, sb[i] ?? {}];
    const err = (s: typeof x) => s.error?.name ?? 'ok';
    if (err(x) !== err(y)) return { step: i, where, what: 'error', a: err(x), b: err(y) };
    if (x.dest !== y.dest) return { step: i, where, what: 'dest', a: x.dest ?? 'none', b: y.dest ?? 'none' };
    const [ta, tb] = [tableText(x.table), tableText(y.table)];
    if (ta !== tb) return { step: i, where, what: 'table', ...firstLineDiff(ta, tb) };
  }
  for (const [key, command] of LISTINGS) {
    const norm = (o: Observation) => (key === 'conns' ? connSetText(o.listings?.conns ?? '') : (o.listings?.[key] ?? ''));
    const [la, lb] = [norm(a), norm(b)];
    if (la !== lb) return { where: `after the last event, ${command}`, what: 'listing', ...firstLineDiff(la, lb) };
  }
  return undefined;
}

/** The first line where two texts differ (the whole line on each side). */
function firstLineDiff(a: string, b: string): { a: string; b: string } {
  const [la, lb] = [a.split('\n'), b.split('\n')];
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return { a: (la[i] ?? '(no line)').trim(), b: (lb[i] ?? '(no line)').trim() };
  }
  return { a: a.trim(), b: b.trim() };
}

export interface DiffResult {
  scheduler: string;
  template: string;
  difference?: KernelDifference;
  /** The difference did not come back on re-runs (a connect timed out on a loaded host, say): not a kernel result. */
  unstable?: boolean;
}

/** Re-runs of a scenario that showed a difference: it counts only when it comes back the same. */
export const DIFF_CONFIRM_RUNS = 2;

/** Runs every golden scenario of `schedulers` on both backends (side by side) and compares. */
export async function diffKernels(a: Backend, b: Backend, schedulers: readonly string[], onResult: (r: DiffResult) => void): Promise<DiffResult[]> {
  const out: DiffResult[] = [];
  for (const { template, scheduler } of goldenCases(schedulers)) {
    const scenario = template.build(scheduler);
    const once = async () => {
      const [oa, ob] = await Promise.all([runOnKernel(a, scenario), runOnKernel(b, scenario)]);
      return firstDifference(scenario, oa, ob);
    };
    const difference = await once();
    let confirmed = difference === undefined;
    for (let i = 0; i < DIFF_CONFIRM_RUNS && !confirmed; i++) confirmed = JSON.stringify(await once()) === JSON.stringify(difference);
    const r: DiffResult = { scheduler, template: template.name, ...(difference ? { difference } : {}), ...(confirmed ? {} : { unstable: true }) };
    out.push(r);
    onResult(r);
  }
  // Trouble either kernel printed after the last scenario is a kernel finding too (exit 4).
  await Promise.all([settle(a), settle(b)]);
  return out;
}
