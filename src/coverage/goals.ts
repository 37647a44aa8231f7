// The "goals" of a coverage report: the scheduling code the run did not reach (every scheduler
// file) and the connection accounting it did not reach (binding and unbinding destinations,
// expiry, templates, the trash, threshold and weight updates), so a green run says what it did
// not check.
import { isSchedulerFile, pct, type FileCoverage, type LineRange } from './summary.js';

/** Connection accounting in ip_vs_conn.c and ip_vs_ctl.c (6.1 and 6.12 names). */
export const ACCOUNTING: Readonly<Record<string, readonly string[]>> = {
  'net/netfilter/ipvs/ip_vs_conn.c': [
    'ip_vs_bind_dest',
    'ip_vs_try_bind_dest',
    'ip_vs_unbind_dest',
    'ip_vs_check_template',
    'ip_vs_conn_expire',
    'ip_vs_conn_expire_now',
    'ip_vs_conn_new',
    'ip_vs_random_dropentry',
    'ip_vs_expire_nodest_conn_flush',
  ],
  'net/netfilter/ipvs/ip_vs_ctl.c': [
    '__ip_vs_update_dest',
    'ip_vs_new_dest',
    'ip_vs_add_dest',
    'ip_vs_edit_dest',
    'ip_vs_del_dest',
    '__ip_vs_del_dest',
    '__ip_vs_unlink_dest',
    'ip_vs_trash_get_dest',
    'ip_vs_dest_trash_expire',
  ],
};

export interface Goal {
  file: string;
  /** Lines reached, "hit/total (pct%)". */
  lines: string;
  /** Functions of interest never entered. */
  neverEntered: string[];
  /** Line ranges not run, each with its function. */
  uncovered: LineRange[];
}

const ratio = (hit: number, total: number) => `${hit}/${total} (${pct({ hit, total }).toFixed(1)}%)`;

/** Scheduler files first (worst first), then the accounting functions of ip_vs_conn.c and ip_vs_ctl.c. */
export function coverageGoals(files: FileCoverage[]): Goal[] {
  const goals: Goal[] = files
    .filter((f) => isSchedulerFile(f.file) && (f.uncovered.length || f.neverEntered.length))
    .sort((a, b) => pct(a.lines) - pct(b.lines))
    .map((f) => ({ file: f.file, lines: ratio(f.lines.hit, f.lines.total), neverEntered: f.neverEntered, uncovered: f.uncovered }));
  for (const [file, fns] of Object.entries(ACCOUNTING)) {
    const f = files.find((x) => x.file === file);
    if (!f) continue;
    const uncovered = f.uncovered.filter((r) => r.fn && fns.includes(r.fn));
    const neverEntered = f.neverEntered.filter((n) => fns.includes(n));
    if (uncovered.length || neverEntered.length) {
      goals.push({ file: `${file} (connection accounting)`, lines: `${uncovered.length} ranges not run`, neverEntered, uncovered });
    }
  }
  return goals;
}

/** Goals as text: one block per file, one line per range. */
export function goalsText(goals: Goal[]): string {
  if (!goals.length) return 'goals: every line of the scheduler files and of the connection accounting was reached';
  const out = ['goals (code this run did not reach):'];
  for (const g of goals) {
    out.push(`  ${g.file}: ${g.lines}${g.neverEntered.length ? `; never entered: ${g.neverEntered.join(' ')}` : ''}`);
    for (const r of g.uncovered) out.push(`    ${r.from === r.to ? `line ${r.from}` : `lines ${r.from}-${r.to}`}${r.fn ? ` in ${r.fn}` : ''}`);
  }
  return out.join('\n');
}
