// Judges one case: walks the events in order and returns the first difference between the
// kernel's Observation and the model's. Never imports a backend: it only reads two Observations.
import { InfraError } from '../errors.js';
import type { Listings, Observation, OpError, StepResult } from '../observation.js';
import { eventText, type Scenario } from '../scenario.js';
import { connSetText, expireDifference } from './conns.js';
import { sideBySide } from './side-by-side.js';
import { tableText } from './tables.js';
import type { DiffKind, Divergence, Verdict } from './verdict.js';

const errText = (e: OpError | undefined) => (e ? `${e.name} (errno ${e.errno})` : 'ok');
const destText = (d: string | null | undefined) => (d === null ? 'none' : d === undefined ? '(no destination reported)' : d);

/** The first difference within one step, or undefined. */
function stepDifference(k: StepResult, m: StepResult): { what: DiffKind; expected: string; got: string } | undefined {
  // Compare errno only: the kernel's text and the model's may word the same error differently.
  if ((k.error?.errno ?? 0) !== (m.error?.errno ?? 0)) return { what: 'error', expected: errText(m.error), got: errText(k.error) };
  if (k.dest !== undefined || m.dest !== undefined) {
    const got = k.dest ?? null;
    if (m.allowed) {
      if (!m.allowed.includes(got)) return { what: 'dest', expected: `one of ${m.allowed.map(destText).join(', ')}`, got: destText(got) };
    } else if ((m.dest ?? null) !== got) {
      return { what: 'dest', expected: destText(m.dest), got: destText(got) };
    }
  }
  if (k.table || m.table) {
    const expected = tableText(m.table);
    const got = tableText(k.table);
    if (expected !== got) return { what: 'table', expected, got };
  }
  return undefined;
}

const LISTINGS: { key: keyof Listings; what: DiffKind; text: (s: string) => string }[] = [
  { key: 'list', what: 'list', text: (s) => s },
  { key: 'thresholds', what: 'thresholds', text: (s) => s },
  { key: 'persistent', what: 'persistent', text: (s) => s },
  { key: 'conns', what: 'conns', text: connSetText },
];

function render(stepIndex: number, event: string, d: { what: DiffKind; expected: string; got: string }, context?: { model: string; kernel: string }): Divergence {
  const head = [`first difference after event ${stepIndex}: ${event}`, `  ${d.what}: model expected ${d.expected.includes('\n') ? '(below)' : d.expected}, kernel gave ${d.got.includes('\n') ? '(below)' : d.got}`];
  const body =
    d.expected.includes('\n') || d.got.includes('\n')
      ? sideBySide(d.expected, d.got)
      : context
        ? `table after the event:\n${sideBySide(context.model, context.kernel)}`
        : '';
  return { kind: 'diverge', stepIndex, event, ...d, diff: [...head, body].filter(Boolean).join('\n') + '\n' };
}

export function compareObservations(scenario: Scenario, kernel: Observation, model: Observation): Verdict {
  const n = scenario.events.length;
  // A backend never returns a partial Observation as complete: a short one is the harness's fault.
  if (kernel.steps.length !== n) {
    throw new InfraError('IPVS_CONFORM_SHORT_OBSERVATION', `the kernel's observation has ${kernel.steps.length} steps for ${n} events`);
  }
  if (model.steps.length !== n) throw new Error(`the model returned ${model.steps.length} steps for ${n} events`);

  let indeterminate: { stepIndex: number; reason: string } | undefined;
  const judge = (d: Divergence): Verdict =>
    indeterminate ? { kind: 'unknown', ...indeterminate, difference: d } : d;

  for (let i = 0; i < n; i++) {
    const k = kernel.steps[i]!;
    const m = model.steps[i]!;
    if (m.indeterminate && !indeterminate) indeterminate = { stepIndex: i, reason: m.indeterminate };
    const d = stepDifference(k, m);
    if (d) {
      const context = d.what === 'table' ? undefined : { model: tableText(m.table), kernel: tableText(k.table) };
      return judge(render(i, eventText(scenario.events[i]!), d, context));
    }
  }
  if (kernel.listings || model.listings) {
    for (const l of LISTINGS) {
      const expected = model.listings ? l.text(model.listings[l.key]) : '(no listings)\n';
      const got = kernel.listings ? l.text(kernel.listings[l.key]) : '(no listings)\n';
      if (expected !== got) return judge(render(n, 'listings', { what: l.what, expected, got }));
    }
    // The expire column, where the model knows it (jiffies exact): the seconds the kernel printed.
    const x = kernel.listings && model.listings && model.connExpire && expireDifference(kernel.listings.conns, model.listings.conns, model.connExpire);
    if (x) return judge(render(n, 'listings', { what: 'conns', expected: `${x[0]} expiring in ${x[1]}`, got: `${x[0]} expiring in ${x[2]}` }));
  }
  return { kind: 'agree' };
}

/** One line for logs and tables. */
export function verdictLine(v: Verdict): string {
  if (v.kind === 'agree') return 'agree';
  if (v.kind === 'unknown') return `unknown from event ${v.stepIndex} (${v.reason}); then ${v.difference.what} differed at event ${v.difference.stepIndex}`;
  return `diverge at event ${v.stepIndex} ${v.event}: ${v.what}: expected ${firstLine(v.expected)}, got ${firstLine(v.got)}`;
}

const firstLine = (s: string) => (s.includes('\n') ? '(see diff)' : s);
