// The text `check` prints: one line per event with the destination the kernel and the model
// chose and every destination's active/inactive counts, then the listings and the verdict.
import { sideBySide } from '../compare/side-by-side.js';
import { verdictLine } from '../compare/compare.js';
import type { Verdict } from '../compare/verdict.js';
import type { Observation } from '../observation.js';
import type { Side, Timeline } from '../report/timeline.js';

const pad = (s: string, n: number) => s.padEnd(n);

function outcome(side: Side, i: number): string {
  if (side.errors[i]) return side.errors[i]!;
  const c = side.chosen[i];
  return c === undefined ? '' : c === null ? '(none)' : c;
}

function counts(t: Timeline, d: string, i: number): string {
  const k = (s: Side) => (s.active[d]![i] === null ? '-' : `${s.active[d]![i]}/${s.inactive[d]![i]}`);
  const kern = k(t.kernel);
  return t.model && k(t.model) !== kern ? `${kern}(m ${k(t.model)})` : kern;
}

/** One line per event; `!` and a note mark the event after which the first difference showed. */
export function eventLines(t: Timeline): string[] {
  const ew = Math.max(5, ...t.events.map((e) => e.length));
  const cw = Math.max(6, ...t.dests.map((d) => d.length), ...t.events.map((_, i) => outcome(t.kernel, i).length));
  const head = `   #  ${pad('event', ew)}  ${pad('kernel', cw)}  ${pad('model', cw)}  ${t.dests.map((d) => pad(d, Math.max(d.length, 9))).join('  ')}`;
  const lines = [head, `${' '.repeat(6 + ew + 2 + cw * 2 + 4)}active/inactive after the event (kernel; (m x/y) where the model differs)`];
  t.events.forEach((e, i) => {
    const k = outcome(t.kernel, i);
    const m = t.model ? outcome(t.model, i) : '';
    const mark = t.firstDifference === i ? '!' : ' ';
    const row = `${mark}${String(i).padStart(3)}  ${pad(e, ew)}  ${pad(k, cw)}  ${pad(m === k ? (k ? '=' : '') : m, cw)}  ${t.dests.map((d) => pad(counts(t, d, i), Math.max(d.length, 9))).join('  ')}`;
    lines.push(row.trimEnd() + (t.firstDifference === i ? '   <- first difference' : ''));
  });
  return lines;
}

export function listingsText(kernel: Observation, model: Observation | undefined): string {
  const out: string[] = [];
  const kinds = ['list', 'thresholds', 'persistent'] as const;
  for (const kind of kinds) {
    const k = kernel.listings?.[kind] ?? '';
    const m = model?.listings?.[kind];
    const title = `ipvsadm -L -n${kind === 'list' ? '' : ` --${kind === 'persistent' ? 'persistent-conn' : kind}`}`;
    out.push(m === undefined || m === k ? `${title}:${m === undefined ? '' : ' (the model lists the same)'}\n${k.trimEnd()}` : `${title}:\n${sideBySide(m, k)}`);
  }
  return out.join('\n\n');
}

export function verdictText(v: Verdict): string {
  const line = `verdict: ${verdictLine(v)}`;
  if (v.kind === 'diverge') return `${line}\n${v.diff}`;
  if (v.kind === 'unknown') return `${line}\n${v.difference.diff}`;
  return line;
}
