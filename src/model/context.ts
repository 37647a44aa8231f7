// The SchedContext a scheduler model gets from the model state (types.ts says what it offers).
import { NOMINAL_START } from './clock.js';
import { reach, type Reached } from './reached.js';
import { rulesFor } from './semantics.js';
import type { ModelDest, ModelState } from './state.js';
import { type Clock, delTimer, fireUntil, modTimer, newTimer } from './timers.js';
import type { SchedContext, Semantics } from './types.js';

export function schedContext(st: ModelState): SchedContext {
  return {
    semantics: st.semantics,
    hz: st.rules.hz,
    now: st.now,
    choose: (n, why) => st.choose(n, why),
    sysctl: (name) => st.sysctls.get(name),
    newTimer: (fn, what) => newTimer((_c, _t, at) => fn(at), undefined, what),
    modTimer: (t, delay) => modTimer(st, t, delay),
    delTimer: (t) => delTimer(st, t),
    hold: (d) => void (d as ModelDest).refs++,
    put: (d) => void (d as ModelDest).refs--,
    reach: (path) => reach(st.reached, path),
  };
}

/** A scheduler's context outside a model run (scheduler tests, benches): its own clock and sysctls. */
export interface StandaloneContext extends SchedContext {
  /** Moves the clock to jiffy j, firing the timers due by then. */
  at(j: number): void;
  sysctls: Map<string, number>;
  reached: Reached;
  clock: Clock;
}

export function standaloneContext(semantics: Semantics, jiffies = NOMINAL_START, hz = rulesFor(semantics).hz): StandaloneContext {
  const clock: Clock = { timers: new Set(), minBucket: Infinity, seq: 0, now: { lo: jiffies, hi: jiffies }, eventHi: jiffies, running: undefined, choose: () => 0 };
  const sysctls = new Map<string, number>();
  const reached: Reached = {};
  return {
    semantics,
    hz,
    now: clock.now,
    choose: (n, why) => clock.choose(n, why),
    sysctl: (name) => sysctls.get(name),
    newTimer: (fn, what) => newTimer((_c, _t, at) => fn(at), undefined, what),
    modTimer: (t, delay) => modTimer(clock, t, delay),
    delTimer: (t) => delTimer(clock, t),
    hold: () => {},
    put: () => {},
    reach: (path) => reach(reached, path),
    at(j) {
      fireUntil(clock, j);
      clock.now.lo = clock.now.hi = clock.eventHi = j;
    },
    sysctls,
    reached,
    clock,
  };
}
