// The kernel timers the model follows (connection and template timers, lblc/lblcr's periodic
// checks, the dest trash), on the kernel's clock: jiffies. mod_timer() as __mod_timer() does it
// (the wheel's rounding, the same-bucket shortcut, timer->expires kept apart from the bucket), and
// timers firing in the order __run_timers() fires them. Where the kernel's observation only says
// that something happened at a jiffy in [lo, hi] and the answer depends on which, the model asks
// its chooser (st.choose) and a search over the choices keeps the ones the kernel's observation
// fits (src/judge/follow.ts).
import { calcWheelIndex } from './wheel.js';

/** What a timer does when it fires (its callback) at jiffy `at`; `t.owner` says whose it is. */
export type TimerFn = (c: Clock, t: Timer, at: number) => void;

/** struct timer_list, as far as the model needs it. */
export interface Timer {
  /** The jiffy its bucket fires at; Infinity while not pending. */
  bucket: number;
  /** Wheel index and level of its bucket (mod_timer's same-bucket test). */
  idx: number;
  level: number;
  /** timer->expires: exact when expLo === expHi, else the range the arming jiffy allows. */
  expLo: number;
  expHi: number;
  /** Enqueue order: within one bucket the newest fires first (hlist_add_head). */
  seq: number;
  fn: TimerFn;
  /** What the timer belongs to (a connection, a service's scheduler, the model state). */
  owner: unknown;
  /** For messages: what the timer belongs to (made only when a message needs it). */
  what: (t: Timer) => string;
}

/** The part of the model state the timers need (ModelState has it). */
export interface Clock {
  /** Pending timers. */
  timers: Set<Timer>;
  /** No pending timer's bucket is below this (a lower bound: lets the hot path skip scans). */
  minBucket: number;
  seq: number;
  /** The jiffies the current action may be at (one jiffy when lo === hi). */
  now: { lo: number; hi: number };
  /** The end of the current event's window: later actions of the event are at most here. */
  eventHi: number;
  /** While a callback runs: its bucket (jiffies = bucket, base->clk = bucket + 1). */
  running: number | undefined;
  /** Picks one of n outcomes the kernel's clock leaves open (0 first). */
  choose(n: number, why: string): number;
}

export function newTimer(fn: TimerFn, owner: unknown, what: string | ((t: Timer) => string)): Timer {
  return { bucket: Infinity, idx: -1, level: 0, expLo: Infinity, expHi: Infinity, seq: 0, fn, owner, what: typeof what === 'string' ? () => what : what };
}

export const pending = (t: Timer): boolean => t.bucket !== Infinity;

interface Outcome {
  /** The arming jiffies that lead here. */
  from: number;
  to: number;
  bucket: number;
  idx: number;
  level: number;
  moved: boolean;
}

const place = { idx: 0, bucket: 0, level: 0 };

/** What __mod_timer(t, expires) does with base->clk at clk. */
function outcome(t: Timer, expires: number, clk: number, at: number): Outcome {
  const p = calcWheelIndex(expires, clk, place);
  // `timer->expires == expires` returns at once; a new expiry in the same bucket only updates it
  if (pending(t) && ((t.expLo === expires && t.expHi === expires) || p.idx === t.idx))
    return { from: at, to: at, bucket: t.bucket, idx: t.idx, level: t.level, moved: false };
  return { from: at, to: at, bucket: p.bucket, idx: p.idx, level: p.level, moved: true };
}

/**
 * mod_timer(t, jiffies + timeout). base->clk is jiffies (forward_timer_base() brings it there),
 * except inside a timer callback, where it is one past the running bucket.
 */
export function modTimer(c: Clock, t: Timer, timeout: number): void {
  if (c.running !== undefined) return apply(c, t, outcome(t, c.running + timeout, c.running + 1, c.running), timeout);
  armWithin(c, t, c.now.lo, c.now.hi, timeout);
}

/** mod_timer(t, jiffies + timeout) at a jiffy in lo..hi: the chooser picks among the outcomes. */
function armWithin(c: Clock, t: Timer, lo: number, hi: number, timeout: number): void {
  if (lo === hi) return armExact(c, t, lo, timeout);
  const groups: Outcome[] = [];
  for (let a = lo; a <= hi; a++) {
    const o = outcome(t, a + timeout, a, a);
    const g = groups.find((x) => x.bucket === o.bucket && x.idx === o.idx && x.moved === o.moved);
    if (g) g.to = a;
    else groups.push(o);
  }
  const k = groups.length > 1 ? c.choose(groups.length, `${t.what(t)} armed at a jiffy in ${lo}..${hi}`) : 0;
  const g = groups[k]!;
  // later packets of this event come no earlier than this one
  c.now.lo = g.from;
  apply(c, t, g, timeout);
}

/** modTimer() armed at one known jiffy (the common case: no allocation). */
function armExact(c: Clock, t: Timer, at: number, timeout: number): void {
  const expires = at + timeout;
  const isPending = pending(t);
  const kept = isPending && t.expLo === expires && t.expHi === expires;
  t.expLo = t.expHi = expires;
  if (kept) return;
  const p = calcWheelIndex(expires, at, place);
  if (isPending && p.idx === t.idx) return;
  enqueue(c, t, p);
}

function apply(c: Clock, t: Timer, o: Outcome, timeout: number): void {
  t.expLo = o.from + timeout;
  t.expHi = o.to + timeout;
  if (o.moved) enqueue(c, t, o);
}

/** Files the timer in its wheel bucket, after the timers already queued (its sequence number). */
function enqueue(c: Clock, t: Timer, p: { bucket: number; idx: number; level: number }): void {
  if (p.bucket < c.minBucket) c.minBucket = p.bucket;
  t.bucket = p.bucket;
  t.idx = p.idx;
  t.level = p.level;
  t.seq = ++c.seq;
  c.timers.add(t);
}

/** del_timer() */
export function delTimer(c: Clock, t: Timer): void {
  t.bucket = Infinity;
  t.idx = -1;
  c.timers.delete(t);
}

/**
 * ip_vs_conn_expire_now(): mod_timer_pending(t, jiffies) when it would expire later. The packet
 * that calls it is at a jiffy of c.now, and which one decides the tick the entry goes at (the
 * wheel rounds jiffies up to the next one), so a table read at the window's end may list it or not.
 */
export function expireNow(c: Clock, t: Timer): void {
  if (!pending(t) || t.expHi <= c.now.lo) return;
  if (c.running !== undefined) return apply(c, t, outcome(t, c.running, c.running + 1, c.running), 0);
  // from a jiffy where the timer is already due, the kernel leaves it: not a jiffy the packet was at
  armWithin(c, t, c.now.lo, Math.min(c.now.hi, t.expHi - 1), 0);
}

/** The pending timer __run_timers() fires next among those due by `until`, or undefined. */
function next(c: Clock, until: number): Timer | undefined {
  let best: Timer | undefined;
  for (const t of c.timers) {
    if (t.bucket > until) continue;
    // one bucket's timers: higher levels first (expire_timers on heads[levels--]), newest first
    if (!best || t.bucket < best.bucket || (t.bucket === best.bucket && (t.level > best.level || (t.level === best.level && t.seq > best.seq)))) best = t;
  }
  return best;
}

/** Fires every timer due at or before jiffy `until`, in the kernel's order. */
export function fireUntil(c: Clock, until: number): void {
  if (until < c.minBucket) return;
  for (let t = next(c, until); t; t = next(c, until)) {
    const at = t.bucket;
    delTimer(c, t);
    c.running = at;
    try {
      t.fn(c, t, at);
    } finally {
      c.running = undefined;
    }
  }
  c.minBucket = nextBucket(c);
}

/** The earliest pending bucket, Infinity when none. */
export function nextBucket(c: Clock): number {
  let b = Infinity;
  for (const t of c.timers) if (t.bucket < b) b = t.bucket;
  return b;
}

/**
 * Timers of buckets before jiffy c.now.lo have fired. Those of its own bucket usually have too,
 * but the tick's timer softirq may still be pending (left to ksoftirqd while the agent runs on),
 * so an action in that jiffy may come first: the chooser says which (0: fired).
 */
export function settleTick(c: Clock, what: string): void {
  fireUntil(c, c.now.lo - 1);
  if (c.now.lo < c.minBucket || !dueAt(c, c.now.lo)) return;
  if (c.choose(2, `${what} at jiffy ${c.now.lo}, where timers fall due (their softirq run or pending)`) === 0) fireUntil(c, c.now.lo);
}

function dueAt(c: Clock, bucket: number): boolean {
  for (const t of c.timers) if (t.bucket === bucket) return true;
  return false;
}

/**
 * Before the kernel acts (a packet, a command) at a jiffy in c.now: timers due before its start
 * have fired; those due within the window (its first jiffy's too: settleTick) may have fired or
 * not, and the chooser says how many did, the usual order first. The action's own window then
 * ends before the first that did not (or on its jiffy: a packet in a softirq can see jiffies
 * advance before the timer softirq runs).
 */
export function moment(c: Clock, what: string | Timer): void {
  c.now.hi = c.eventHi;
  fireUntil(c, c.now.lo - 1);
  if (c.now.hi < c.minBucket) return;
  const within: number[] = [];
  for (const t of c.timers) if (t.bucket >= c.now.lo && t.bucket <= c.now.hi && !within.includes(t.bucket)) within.push(t.bucket);
  if (!within.length) return;
  within.sort((a, b) => a - b);
  const n = within.length + 1;
  const pick = c.choose(n, `${typeof what === 'string' ? what : `a packet of ${what.what(what)}`} at a jiffy in ${c.now.lo}..${c.now.hi}, where timers fall due at ${within.join(', ')}`);
  // choice 0 is the usual: the timers of the window's first jiffy have fired by then
  const k = within[0] === c.now.lo ? (pick + 1) % n : pick;
  if (k > 0) {
    fireUntil(c, within[k - 1]!);
    c.now.lo = within[k - 1]!;
  }
  if (k < within.length) c.now.hi = within[k]!;
}
