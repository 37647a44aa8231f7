// Removal steps of the reduction pass (delta debugging): each is a small function from the
// current scenario to candidate scenarios with something removed, largest removals first. A
// candidate keeps every event's dependencies whole (refs.ts); the driver judges it on the kernel.
import type { Event, Scenario } from '../scenario.js';
import { eventsWith, fieldText, without } from './refs.js';

export interface Candidate {
  scenario: Scenario;
  /** What was changed, for logs: "remove dest 10.2.0.3:80". */
  label: string;
}

export interface StepContext {
  /** Index of the event after which the current case's first difference shows. */
  stepIndex: number;
}

export type Step = (s: Scenario, ctx: StepContext) => Candidate[];

const distinct = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))];

/** Events after the first difference cannot change it. */
export const cutAfterDifference: Step = (s, { stepIndex }) =>
  stepIndex < s.events.length - 1 ? [{ scenario: { ...s, events: s.events.slice(0, stepIndex + 1) }, label: `cut after event ${stepIndex}` }] : [];

/** Each service with every event that names it. */
export const removeServices: Step = (s) =>
  distinct(s.events.map((e) => (e.op === 'svc-add' ? fieldText(e, 'svc') : undefined))).map((svc) => ({
    scenario: without(s, eventsWith(s, 'svc', svc)),
    label: `remove service ${svc}`,
  }));

const destKey = (e: Event) => (fieldText(e, 'dest') !== undefined ? `${fieldText(e, 'svc')} ${fieldText(e, 'dest')}` : undefined);

/** Each destination with its events (add, edits, delete). */
export const removeDests: Step = (s) =>
  distinct(s.events.map(destKey)).map((key) => ({
    scenario: without(s, s.events.flatMap((e, i) => (destKey(e) === key ? [i] : []))),
    label: `remove dest ${key}`,
  }));

/** Each connection with its events (connect, send, shut, fin, rst). */
export const removeConnections: Step = (s) =>
  distinct(s.events.map((e) => (e.op === 'connect' ? fieldText(e, 'conn') : undefined))).map((conn) => ({
    scenario: without(s, eventsWith(s, 'conn', conn)),
    label: `remove connection ${conn}`,
  }));

/** ddmin's chunks: halves, quarters, ... down to pairs (single events are the next step). */
export const removeChunks: Step = (s) => {
  const n = s.events.length;
  const out: Candidate[] = [];
  for (let size = Math.floor(n / 2); size >= 2; size = Math.floor(size / 2)) {
    for (let at = 0; at + size <= n; at += size) {
      out.push({ scenario: without(s, Array.from({ length: size }, (_, j) => at + j)), label: `remove events ${at}..${at + size - 1}` });
    }
  }
  return out;
};

/** Each single event (with what depends on it). */
export const removeEvents: Step = (s) => s.events.map((e, i) => ({ scenario: without(s, [i]), label: `remove event ${i} (${e.op})` }));

/** An edit folded into the add it follows: one add with the edit's fields where that will do. */
export const foldEdits: Step = (s) =>
  s.events.flatMap((e, i) => {
    if (!e.op.endsWith('-edit')) return [];
    const addOp = e.op.replace(/-edit$/, '-add');
    const key = destKey(e) ?? fieldText(e, 'svc');
    let j = i - 1;
    while (j >= 0 && !(s.events[j]!.op === addOp && (destKey(s.events[j]!) ?? fieldText(s.events[j]!, 'svc')) === key)) j--;
    if (j < 0) return [];
    const events = s.events.slice();
    events[j] = { ...e, op: addOp } as Event;
    events.splice(i, 1);
    return [{ scenario: { ...s, events }, label: `fold event ${i} (${e.op}) into event ${j}` }];
  });

export const REMOVAL_STEPS: readonly Step[] = [cutAfterDifference, removeServices, removeDests, removeConnections, removeChunks, removeEvents, foldEdits];
