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
