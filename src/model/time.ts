// Kernel time as the model sees it. A connection or template timer is armed by a packet (or a
// timer) whose moment the model only knows within a window; the kernel's timer wheel then fires it
// up to one bucket late. The model keeps, for every timer, the window [lo, hi] of guest times at
// which it may fire, and an observation that falls inside a window is `indeterminate`.
//
// Justification of the bounds (kernel/time/timer.c, Debian CONFIG_HZ=250):
// - jiffies: `expires = jiffies + timeout` counts from the last tick, so a timer may fire up to one
//   jiffy (4 ms) early in real time;
// - timer wheel: a timer `delta` jiffies away sits at level n (64 buckets of 8^n jiffies) and fires
//   at the end of its bucket: up to 8^n jiffies late (10 s: 256 ms, 120 s: 2 s, 900 s: 16 s);
// - softirq latency under TCG: a further SOFTIRQ_MS;
// - the packets that armed it: somewhere between the previous step's completion and this step's.

export const SOFTIRQ_MS = 50;
/** How long after a step's `t` the agent reads the table (the `table` line follows the event). */
export const TABLE_LAG_MS = 50;

/** Granularity in jiffies of the wheel level a timer `delta` jiffies ahead lands on (calc_wheel_index). */
export function wheelGranularity(deltaJiffies: number): number {
  // LVL_START(n) = 63 << ((n - 1) * 3); level n granularity 8^n.
  let gran = 1;
  for (let lvl = 0; lvl < 8 && deltaJiffies >= 63 * gran; lvl++) gran *= 8;
  return gran;
}

export interface Window {
  /** Earliest guest time (ms) it may fire. */
  lo: number;
  /** Latest guest time (ms) it may fire. */
  hi: number;
  /** The model's single guess when it has to continue anyway (the earliest exact firing). */
  nominal: number;
}

/** Sets `w` to the firing window of a timer of `timeoutMs` armed somewhere in [armLo, armHi]. */
export function setTimerWindow(w: Window, armLo: number, armHi: number, timeoutMs: number, hz: number): void {
  const jiffy = 1000 / hz;
  const late = wheelGranularity(Math.round(timeoutMs / jiffy)) * jiffy + jiffy + SOFTIRQ_MS;
  w.lo = armLo + timeoutMs - jiffy;
  w.hi = armHi + timeoutMs + late;
  w.nominal = armHi + timeoutMs;
}
