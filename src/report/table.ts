// The summary as a table per kernel and scheduler (cli-table3), for the terminal.
import Table from 'cli-table3';
import type { Counts, Summary } from './summary.js';

const HEAD = ['kernel', 'scheduler', 'cases', 'agree', 'diverge', 'unknown', 'flaky', 'infra', 'oops', 'model err'];

const row = (k: string, s: string, c: Counts) => [k, s, c.cases, c.agree, c.divergences, c.unknowns, c.flaky, c.infra, c.kernel, c.modelErrors].map(String);

export function summaryTable(s: Summary, color = false): string {
  const t = new Table({ head: HEAD, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const k of s.kernels) {
    for (const [sched, c] of Object.entries(k.schedulers)) t.push(row(k.kernel, sched, c));
  }
  t.push(row('all', '', s.totals));
  const lines = [t.toString()];
  lines.push(`${s.totals.cases} cases, ${s.totals.casesPerMinute} cases/min` + (s.interrupted ? ' (interrupted)' : ''));
  if (s.drawn && Object.keys(s.drawn).length) lines.push(drawnLines(s.drawn, s.totals.cases));
  for (const k of s.kernels) {
    if (k.stoppedBy) lines.push(`kernel ${k.kernel} stopped early: ${k.stoppedBy}`);
    if (k.unavailable?.length) lines.push(`kernel ${k.kernel} lacks ${k.unavailable.join(', ')} (not tested)`);
  }
  for (const f of s.findings) {
    const stages = f.shrunkEvents !== undefined ? `${f.originalEvents} -> ${f.shrunkEvents} (shrink) -> ${f.minimalEvents} events (reduce${f.oneMinimal ? ', 1-minimal' : ''}), ${f.kernelRuns} kernel runs` : `${f.originalEvents} -> ${f.minimalEvents} events`;
    const size = f.kind === 'divergence' ? ` (${stages}${f.duplicateOf ? ', same signature as an earlier case' : ''})` : '';
    lines.push(`${f.kind === 'kernel' ? 'KERNEL' : 'diverge'} ${f.kernel}/${f.scheduler}: ${f.line}${size}\n    replay: npx ipvs-conform replay ${f.file}`);
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
