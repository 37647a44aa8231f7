// When each event acted and each table was read, in the kernel's jiffies, as the model uses them:
// - following a kernel observation with jiffies (`j`, `tableJ`, `listingsJ`): those, exact;
// - following one with only the guest clock `t` (older case files, agents without jiffies): the
//   jiffies those milliseconds allow, widened by a margin for the clocks' offset and softirq delay;
// - the model alone: one jiffy per event, waits converted at HZ.
import type { Observation, StepResult } from '../observation.js';
import type { Scenario } from '../scenario.js';

export type JWindow = [lo: number, hi: number];

export interface Windows {
  steps: { event: JWindow; table: JWindow }[];
  listings: JWindow;
  /** How they were found, for messages. */
  source: 'jiffies' | 'guest clock' | 'nominal';
}

/** Where the model alone starts its clock: jiffies wrap 300 s after boot (INITIAL_JIFFIES) on a 32-bit count. */
export const NOMINAL_START = 2 ** 32;
/** Margin in ms for windows from the guest clock: tick phase, softirq and table read delays. */
export const CLOCK_MARGIN_MS = 60;

export function windowsFor(scenario: Scenario, hz: number, follow?: Observation): Windows {
  const steps = follow ? indexSteps(follow) : undefined;
  const n = scenario.events.length;
  if (steps && n > 0 && scenario.events.every((_, i) => steps[i]?.j && steps[i]?.tableJ)) {
    return {
      steps: scenario.events.map((_, i) => ({ event: steps[i]!.j!, table: steps[i]!.tableJ! })),
      listings: follow!.listingsJ ?? steps[n - 1]!.tableJ!,
      source: 'jiffies',
    };
  }
  if (steps && n > 0 && scenario.events.every((_, i) => steps[i]?.t !== undefined)) return fromGuestClock(steps, n, hz);
  return nominal(scenario, hz);
}

function nominal(scenario: Scenario, hz: number): Windows {
  let j = NOMINAL_START;
  const steps = scenario.events.map((e) => {
    const start = j;
    if (e.op === 'wait') j += Math.floor((e.ms * hz) / 1000);
    return { event: [start, j] as JWindow, table: [j, j] as JWindow };
  });
  return { steps, listings: [j, j], source: 'nominal' };
}

/**
 * Jiffies from the guest's CLOCK_MONOTONIC `t` (ms, taken when each event completed): relative to
 * the first event, each event ran between the previous one's completion and its own, give or take
 * the margin; its table was read a margin after it.
 */
function fromGuestClock(steps: StepResult[], n: number, hz: number): Windows {
  const t0 = steps[0]!.t!;
  const lo = (t: number) => NOMINAL_START + Math.floor(((t - t0 - CLOCK_MARGIN_MS) * hz) / 1000);
  const hi = (t: number) => NOMINAL_START + Math.ceil(((t - t0 + CLOCK_MARGIN_MS) * hz) / 1000);
  const out: Windows['steps'] = [];
  for (let i = 0; i < n; i++) {
    const t = steps[i]!.t!;
    const prev = i ? steps[i - 1]!.t! : t - CLOCK_MARGIN_MS;
    out.push({ event: [lo(prev), hi(t)], table: [lo(t), hi(t + CLOCK_MARGIN_MS)] });
  }
  const last = steps[n - 1]!.t!;
  return { steps: out, listings: [lo(last), hi(last + 2 * CLOCK_MARGIN_MS)], source: 'guest clock' };
}

function indexSteps(obs: Observation): StepResult[] {
  const out: StepResult[] = [];
  obs.steps.forEach((s, i) => (out[s.index ?? i] = s));
  return out;
}
