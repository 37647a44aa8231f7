// The reference model's entry point: a Scenario in, an Observation out (backend "model"), step by
// step as the kernel would report it. The parts: config.ts (service/dest/timeouts events and their
// errors), traffic.ts (connect, persistence), sockets.ts (fin/rst/send/shut), accounting.ts
// (counters, OVERLOAD), timers.ts + wheel.ts (the kernel's timers, in jiffies), clock.ts (when each
// event acted), table.ts (what is reported), semantics.ts (what differs between kernels),
// schedulers/ (one file per kernel scheduler).
import { InputError } from '../errors.js';
import type { Branch, Observation, OpError, StepResult } from '../observation.js';
import { type Event, eventText, type Scenario } from '../scenario.js';
import { type JWindow, windowsFor } from './clock.js';
import { destAdd, destDel, destEdit, setTimeouts, svcAdd, svcDel, svcEdit } from './config.js';
import { readListings } from './listings.js';
import { rulesFor } from './semantics.js';
import { fin, rst, send, shut } from './sockets.js';
import { type ModelState, newState } from './state.js';
import { snapshot } from './table.js';
import { setSysctl } from './sysctl.js';
import { fireUntil, moment, settleTick } from './timers.js';
import { connect, type KernelPick, UNANSWERED } from './traffic.js';
import { closeUdp, isUdp, sendUdp } from './udp.js';
import type { Semantics } from './types.js';

export interface ModelOptions {
  semantics: Semantics;
  /**
   * The kernel's Observation of the same scenario, when there is one: where the model allows
   * several outcomes it continues with the one the kernel took (if allowed), and it follows the
   * kernel's clock (its jiffies, or else its guest clock) to place timers.
   */
  follow?: Observation;
  /**
   * Which outcome to take at each choice the kernel's clock leaves open, in the order they come
   * (missing: the first). src/judge/follow.ts searches them; Observation.branches lists them.
   */
  choices?: readonly number[];
  /**
   * Draw the outcomes of random-by-design choices (twos) from their law with this uniform [0, 1)
   * source instead of following the kernel's: simulates a kernel that obeys the law
   * (compare/law-judge.ts calibrates the law test so).
   */
  sample?: () => number;
}

/** A chooser that replays `choices` and records every choice point it meets. */
function chooser(choices: readonly number[], branches: Branch[], step: { i: number }) {
  return (n: number, why: string): number => {
    const k = branches.length;
    branches.push({ step: step.i, n, why });
    const c = choices[k] ?? 0;
    return c < n ? c : 0;
  };
}

export function runModel(scenario: Scenario, opts: ModelOptions): Observation {
  // The kernel's own scheduler modules, where it said which: the rule set only guesses them.
  const schedulers = opts.follow?.schedulers;
  const rules = schedulers ? { ...rulesFor(opts.semantics), schedulers } : rulesFor(opts.semantics);
  const hz = opts.follow?.hz ?? rules.hz;
  const win = windowsFor(scenario, hz, opts.follow);
  const branches: Branch[] = [];
  const cur = { i: 0 };
  const st = newState(opts.semantics, rules, chooser(opts.choices ?? [], branches, cur), win.steps[0]?.event[0] ?? win.listings[0]);
  if (opts.sample) st.sample = opts.sample;
  const kernelSteps = opts.follow?.steps;
  const steps: StepResult[] = new Array(scenario.events.length);
  for (let i = 0; i < scenario.events.length; i++) {
    cur.i = i;
    const ev = scenario.events[i]!;
    const w = win.steps[i]!;
    enter(st, w.event);
    settleTick(st, 'the event');
    const step: StepResult = { index: i };
    try {
      apply(st, ev, step, kernelPick(kernelSteps?.[i]));
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(undefined, `events[${i}] (${eventText(ev)})`, 'an event the model can run', (e as Error).message);
    }
    // Every timer due before the event's last jiffy has fired; the table is read within its own window.
    fireUntil(st, w.event[1] - 1);
    enter(st, w.table);
    moment(st, 'the table read');
    step.table = snapshot(st);
    if (st.indeterminate !== undefined) step.indeterminate = st.indeterminate;
    steps[i] = step;
  }
  cur.i = scenario.events.length;
  const { listings, connExpire } = readListings(st, win.listings);
  return {
    backend: 'model',
    kernel: { name: opts.follow?.kernel.name ?? opts.semantics },
    steps,
    listings,
    connExpire,
    branches,
    reached: st.reached,
  };
}

/** What the kernel's step shows of its pick: the dest it named, or none seen and no answer. */
function kernelPick(k: StepResult | undefined): KernelPick {
  if (k && k.dest === undefined && k.error?.name === 'ETIMEDOUT') return UNANSWERED;
  return k?.dest;
}

/** The kernel acts next within window w (jiffies): timers due before it have fired. */
function enter(st: ModelState, w: JWindow): void {
  st.now.lo = Math.max(st.now.lo, w[0]);
  st.eventHi = Math.max(st.now.lo, w[1]);
  st.now.hi = st.eventHi;
  fireUntil(st, st.now.lo - 1);
}

function apply(st: ModelState, ev: Event, step: StepResult, kernel: KernelPick): void {
  let err;
  // A command reaches the kernel: timers due by then have fired (connect takes its SYN's moment).
  if (ev.op !== 'connect' && ev.op !== 'wait' && ev.op !== 'fin' && ev.op !== 'rst' && ev.op !== 'send' && ev.op !== 'shut') moment(st, 'a configuration command');
  switch (ev.op) {
    case 'svc-add':
      err = svcAdd(st, ev.svc, ev);
      break;
    case 'svc-edit':
      err = svcEdit(st, ev.svc, ev);
      break;
    case 'svc-del':
      err = svcDel(st, ev.svc);
      break;
    case 'dest-add':
      err = destAdd(st, ev.svc, ev.dest, ev);
      break;
    case 'dest-edit':
      err = destEdit(st, ev.svc, ev.dest, ev);
      break;
    case 'dest-del':
      err = destDel(st, ev.svc, ev.dest);
      break;
    case 'connect': {
      const r = connect(st, ev, kernel);
      step.dest = r.dest;
      if (r.allowed) step.allowed = r.allowed;
      lawFields(step, r);
      err = r.error;
      break;
    }
    case 'fin':
    case 'rst':
    case 'shut':
    case 'send':
      if (isUdp(st, ev.conn)) err = udpEvent(st, ev, step, kernel);
      else if (ev.op === 'fin') err = fin(st, ev.conn);
      else if (ev.op === 'rst') err = rst(st, ev.conn);
      else if (ev.op === 'shut') err = shut(st, ev.conn, ev.side);
      else err = send(st, ev.conn);
      break;
    case 'timeouts':
      err = setTimeouts(st, ev.tcp, ev.tcpfin, ev.udp);
      break;
    case 'sysctl':
      err = setSysctl(st, ev.name, ev.value);
      break;
    case 'wait':
      break;
    default:
      throw new Error(`no model for event ${JSON.stringify((ev as { op: unknown }).op)}`);
  }
  if (err) step.error = err;
}

/** A UDP connection's `send` (a datagram and its answer, with the server that got it) or close. */
function udpEvent(st: ModelState, ev: { op: string; conn: string }, step: StepResult, kernel: KernelPick): OpError | undefined {
  if (ev.op !== 'send') {
    closeUdp(st, ev.conn);
    return undefined;
  }
  const open = st.udpSockets.has(ev.conn);
  const r = sendUdp(st, ev.conn, kernel);
  if (open && !r.error) step.dest = r.dest;
  if (r.allowed) step.allowed = r.allowed;
  lawFields(step, r);
  return r.error;
}

/** twos's draw: what its law says of each allowed outcome. */
function lawFields(step: StepResult, r: { probs?: number[]; service?: string }): void {
  if (!r.probs) return;
  step.probabilities = r.probs;
  step.service = r.service!;
}
