// The summary as a table per kernel and scheduler (cli-table3), for the terminal.
import Table from 'cli-table3';
import { LIFECYCLE_PATHS, OUT_OF_REACH, RULES_OF } from '../model/reached.js';
import { replayHint } from '../run/records.js';
import { overMaxUnknown, type Counts, type Summary } from './summary.js';

const HEAD = ['kernel', 'scheduler', 'cases', 'agree', 'diverge', 'unknown', 'flaky', 'infra', 'oops', 'model err'];

/** "3 (1.5%)": a count with its share of the cases, for the undecided outcomes. */
const rate = (n: number, of: number) => (n && of ? `${n} (${((n * 100) / of).toFixed(n * 1000 < of ? 2 : 1)}%)` : String(n));

const row = (k: string, s: string, c: Counts) =>
  [k, s, c.cases, c.agree, c.divergences, rate(c.unknowns, c.cases), rate(c.flaky, c.cases), c.infra, c.kernel, c.modelErrors].map(String);

/** The lifecycle paths the cases reached (how many cases each), and those none reached. */
function reachedLines(s: Summary): string[] {
  if (!s.reached) return [];
  const hit = LIFECYCLE_PATHS.filter((p) => s.reached![p]).map((p) => `${p} ${s.reached![p]}`);
  const rules = new Set(s.kernels.map((k) => k.semantics));
  const missed = LIFECYCLE_PATHS.filter((p) => !s.reached![p]);
  const other = missed.filter((p) => RULES_OF[p] && !rules.has(RULES_OF[p]!));
  const never = missed.filter((p) => OUT_OF_REACH[p] && !other.includes(p));
  const miss = missed.filter((p) => !other.includes(p) && !never.includes(p));
  return [
    `lifecycle paths reached (cases): ${hit.join(', ') || 'none'}`,
    ...(miss.length ? [`  not reached: ${miss.join(', ')}`] : []),
    ...(never.length ? [`  out of reach: ${never.map((p) => `${p} (${OUT_OF_REACH[p]})`).join(', ')}`] : []),
    ...(other.length ? [`  not in these kernels' rules: ${other.join(', ')}`] : []),
  ];
}

/** When the undecided cases are over --max-unknown: each, with why. */
function undecidedLines(s: Summary): string[] {
  if (!overMaxUnknown(s.totals, s.maxUnknown)) return [];
  const max = !s.maxUnknown ? '0' : 'cases' in s.maxUnknown ? String(s.maxUnknown.cases) : `${s.maxUnknown.percent}%`;
  const cases = s.cases.filter((c) => c.outcome === 'unknown' || c.outcome === 'flaky');
  return [
    `${cases.length} undecided case(s), more than --max-unknown ${max} (exit 5):`,
    ...cases.map((c) => `  ${c.kernel}/${c.scheduler} case ${c.index} (seed ${c.seed}) ${c.outcome}: ${c.detail ?? ''}${c.file ? `\n    its first run: ${c.file}` : ''}`),
  ];
}

export function summaryTable(s: Summary, color = false): string {
  const t = new Table({ head: HEAD, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const k of s.kernels) {
    for (const [sched, c] of Object.entries(k.schedulers)) t.push(row(k.kernel, sched, c));
  }
  t.push(row('all', '', s.totals));
  const lines = [t.toString()];
  lines.push(`${s.totals.cases} cases, ${s.totals.casesPerMinute} cases/min` + (s.interrupted ? ' (interrupted)' : ''));
  if (s.drawn && Object.keys(s.drawn).length) lines.push(drawnLines(s.drawn, s.totals.cases));
  if (s.totals.notRun) lines.push(`${s.totals.notRun} case(s) not run: their waits need virtual time, which this backend lacks (neither passed nor failed)`);
  for (const k of s.kernels) {
    if (k.stoppedBy) lines.push(`kernel ${k.kernel} stopped early: ${k.stoppedBy}`);
    if (k.unavailable?.length) lines.push(`kernel ${k.kernel} lacks ${k.unavailable.join(', ')} (not tested)`);
    for (const [what, why] of Object.entries(k.notGenerated ?? {})) lines.push(`kernel ${k.kernel}: ${what} cases not generated (not tested): ${why}`);
  }
  lines.push(...reachedLines(s), ...undecidedLines(s));
  for (const f of s.findings) {
    const stages = f.shrunkEvents !== undefined ? `${f.originalEvents} -> ${f.shrunkEvents} (shrink) -> ${f.minimalEvents} events (reduce${f.oneMinimal ? ', 1-minimal' : ''}), ${f.kernelRuns} kernel runs` : `${f.originalEvents} -> ${f.minimalEvents} events`;
    const size = f.kind === 'divergence' ? ` (${stages}${f.duplicateOf ? ', same signature as an earlier case' : ''})` : '';
    lines.push(`${f.kind === 'kernel' ? 'KERNEL' : 'diverge'} ${f.kernel}/${f.scheduler}: ${f.line}${size}\n    ${replayHint(f)}`);
  }
  return lines.join('\n');
}

/** "drawn (cases of N):" then the kinds grouped by their prefix, each with its count. */
export function drawnLines(drawn: Record<string, number>, cases: number): string {
  const groups = new Map<string, string[]>();
  for (const [kind, n] of Object.entries(drawn)) {
    const i = kind.indexOf(':');
    const group = i < 0 ? 'events' : kind.slice(0, i);
    const name = i < 0 ? kind : kind.slice(i + 1);
    (groups.get(group) ?? groups.set(group, []).get(group)!).push(`${name} ${n}`);
  }
  const lines = [`drawn (cases of ${cases} that drew each kind):`];
  for (const [group, items] of [...groups].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${group}: ${items.join(', ')}`);
  return lines.join('\n');
}
