// The reference model's entry point: a Scenario in, an Observation out (backend "model"), step by
// step as the kernel would report it. The parts: config.ts (service/dest/timeouts events and their
// errors), traffic.ts (connect/fin/rst, persistence), accounting.ts (counters, OVERLOAD),
// clock.ts + time.ts (timers and their uncertainty), table.ts (what is reported), semantics.ts
// (what differs between kernels), schedulers/ (one file per kernel scheduler).
import { InputError } from '../errors.js';
import { renderListings } from '../listings/render.js';
import type { Observation, StepResult } from '../observation.js';
import { type Event, eventText, type Scenario } from '../scenario.js';
import { advance } from './clock.js';
import { destAdd, destDel, destEdit, setTimeouts, svcAdd, svcDel, svcEdit } from './config.js';
import { rulesFor } from './semantics.js';
import { type ModelState, newState } from './state.js';
import { connRows, snapshot } from './table.js';
import { TABLE_LAG_MS } from './time.js';
import { setSysctl } from './sysctl.js';
import { connect, fin, type KernelPick, rst, send, shut } from './traffic.js';
import type { Semantics } from './types.js';

export interface ModelOptions {
  semantics: Semantics;
  /**
   * The kernel's Observation of the same scenario, when there is one: where the model allows
   * several outcomes it continues with the one the kernel took (if allowed), and it reads the
   * guest's clock (`t`) to place timers.
   */
  follow?: Observation;
}

export function runModel(scenario: Scenario, opts: ModelOptions): Observation {
  const st = newState(opts.semantics, rulesFor(opts.semantics));
  const follow = opts.follow;
  const kernelSteps = follow ? indexSteps(follow) : undefined;
  // The model clock: the guest's `t` (relative to the first step) when following, else the waits.
  const t0 = kernelSteps?.[0]?.t;
  const useGuestClock = t0 !== undefined && scenario.events.every((_, i) => kernelSteps?.[i]?.t !== undefined);
  const steps: StepResult[] = new Array(scenario.events.length);
  let waits = 0;
  let prev = 0;
  const stepTime = { armLo: 0, armHi: 0 };
  for (let i = 0; i < scenario.events.length; i++) {
    const ev = scenario.events[i]!;
    if (ev.op === 'wait') waits += ev.ms;
    const now = useGuestClock ? kernelSteps![i]!.t! - t0! : waits;
    if (i === 0) prev = now;
    const lag = useGuestClock ? TABLE_LAG_MS : 0;
    // A wait shows nothing until its table; any other event may act anywhere since the last step.
    const obsLo = ev.op === 'wait' ? now : prev;
    advance(st, obsLo, now + lag, ev);
    st.ctx.now = now;
    const step: StepResult = { index: i };
    stepTime.armLo = prev;
    stepTime.armHi = now;
    try {
      apply(st, ev, step, stepTime, kernelSteps?.[i]?.dest);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(undefined, `events[${i}] (${eventText(ev)})`, 'an event the model can run', (e as Error).message);
    }
    step.table = snapshot(st);
    if (st.indeterminate !== undefined) step.indeterminate = st.indeterminate;
    steps[i] = step;
    prev = now;
  }
  const table = steps.length ? steps[steps.length - 1]!.table! : [];
  const end = prev;
  return {
    backend: 'model',
    kernel: { name: follow?.kernel.name ?? opts.semantics },
    steps,
    // -c rows come in the kernel's hash order, which the model does not know: any order will do.
    // (Rendering on first read through getters was tried: reading them then cost 4x more.)
    listings: renderListings(table, connRows(st, end)),
  };
}

function apply(st: ModelState, ev: Event, step: StepResult, t: { armLo: number; armHi: number }, kernel: KernelPick): void {
  let err;
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
      const r = connect(st, ev, t, kernel);
      step.dest = r.dest;
      if (r.allowed) step.allowed = r.allowed;
      err = r.error;
      break;
    }
    case 'fin':
      err = fin(st, ev.conn, t);
      break;
    case 'rst':
      err = rst(st, ev.conn, t);
      break;
    case 'send':
      err = send(st, ev.conn, t);
      break;
    case 'shut':
      err = shut(st, ev.conn, ev.side, t);
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

function indexSteps(obs: Observation): StepResult[] {
  const out: StepResult[] = [];
  obs.steps.forEach((s, i) => (out[s.index ?? i] = s));
  return out;
}
