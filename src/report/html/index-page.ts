// The report's front page: per kernel × scheduler the outcome counts, then every finding with a
// link to its page. Plain HTML, no script.
import type { CaseRecord, SavedFinding } from '../../run/records.js';
import type { Counts, Summary } from '../summary.js';
import { esc, page } from './page.js';

const COLUMNS: [keyof Counts, string][] = [
  ['cases', 'cases'],
  ['agree', 'agree'],
  ['divergences', 'diverge'],
  ['unknowns', 'unknown'],
  ['flaky', 'flaky'],
  ['infra', 'infra'],
  ['kernel', 'kernel findings'],
  ['modelErrors', 'model errors'],
];

function countsRow(kernel: string, scheduler: string, c: Counts, links: string): string {
  const cells = COLUMNS.map(([k]) => `<td class="n${(k === 'divergences' || k === 'kernel' || k === 'infra') && c[k] > 0 ? ' bad' : ''}">${c[k] ?? 0}</td>`);
  return `<tr><td>${esc(kernel)}</td><td>${esc(scheduler)}</td>${cells.join('')}<td>${links}</td></tr>`;
}

/** `fileOf`: a link (relative to the report) to an undecided case's own file, a flaky case's first run. */
export function indexPage(s: Summary, pageOf: (f: SavedFinding) => string | undefined, fileOf: (c: CaseRecord) => string | undefined = () => undefined): string {
  const link = (f: SavedFinding, text: string) => {
    const p = pageOf(f);
    return p ? `<a href="${esc(p)}">${esc(text)}</a>` : esc(text);
  };
  const primary = s.findings.filter((f) => !f.duplicateOf);
  const likeIt = (f: SavedFinding) => s.findings.filter((d) => d.duplicateOf === f.file);
  const rows = s.kernels.flatMap((k) =>
    Object.entries(k.schedulers).map(([sched, c]) => {
      const fs = primary.filter((f) => f.kernel === k.kernel && f.scheduler === sched);
      return countsRow(k.kernel, sched, c, fs.map((f) => `${link(f, caseName(f))}${likeIt(f).length ? ` (+${likeIt(f).length} like it)` : ''}`).join(' '));
    }),
  );
  rows.push(countsRow('all', '', s.totals, ''));
  const item = (f: SavedFinding) => {
    const size = f.kind === 'divergence' ? ` (${f.originalEvents} → ${f.shrunkEvents !== undefined ? `${f.shrunkEvents} → ` : ''}${f.minimalEvents} events${f.oneMinimal ? ', 1-minimal' : ''})` : '';
    return `${link(f, `${f.kind === 'kernel' ? 'KERNEL' : 'diverge'} ${f.kernel}/${f.scheduler} ${caseName(f)}`)}: ${esc(f.line)}${esc(size)}`;
  };
  const findings = primary.map((f) => {
    const dups = likeIt(f);
    const more = dups.length ? `<details><summary>${dups.length} more case(s) with this signature, not shrunk</summary><ul>${dups.map((d) => `<li>${item(d)}</li>`).join('')}</ul></details>` : '';
    return `<li>${item(f)}${more}</li>`;
  });
  // A duplicate whose first case is not in this summary (a merged shard's) is listed on its own.
  const orphans = s.findings.filter((f) => f.duplicateOf && !primary.some((p) => p.file === f.duplicateOf)).map((f) => `<li>${item(f)}</li>`);
  findings.push(...orphans);
  const notes = s.kernels.flatMap((k) => [
    ...(k.stoppedBy ? [`<li>kernel ${esc(k.kernel)} stopped early: ${esc(k.stoppedBy)}</li>`] : []),
    ...(k.unavailable?.length ? [`<li>kernel ${esc(k.kernel)} lacks ${esc(k.unavailable.join(', '))} (not tested)</li>`] : []),
  ]);
  const body = [
    `<h1>ipvs-conform report</h1>`,
    `<p><code>${esc(s.command)}</code></p>`,
    `<p class="muted">seed ${s.seed}${s.shard ? `, shard ${esc(s.shard)}` : ''}; ${esc(s.startedAt)} – ${esc(s.finishedAt)}; exit code ${s.exitCode}${s.interrupted ? ' (interrupted)' : ''}; ${s.totals.casesPerMinute} cases/min</p>`,
    `<table id="counts"><tr><th>kernel</th><th>scheduler</th>${COLUMNS.map(([, h]) => `<th>${h}</th>`).join('')}<th>findings</th></tr>${rows.join('')}</table>`,
    notes.length ? `<ul>${notes.join('')}</ul>` : '',
    `<h2>Findings (${primary.length} shrunk${s.findings.length > primary.length ? `, ${s.findings.length - primary.length} more of the same signatures` : ''})</h2>`,
    findings.length ? `<ul id="findings">${findings.join('')}</ul>` : '<p>None: the kernel and the model agreed on every case that ran.</p>',
    undecidedList(s.cases, fileOf),
  ];
  return page('ipvs-conform report', body.join('\n'));
}

/** `case 4`, or what stands for a case for kernel trouble no case of the run can be named for. */
const caseName = (f: SavedFinding) => (f.caseIndex === undefined ? 'no case' : `case ${f.caseIndex}`);

/** Cases neither side could settle (flaky, unknown): never a pass, so each is listed with its file. */
function undecidedList(cases: readonly CaseRecord[], fileOf: (c: CaseRecord) => string | undefined): string {
  const undecided = cases.filter((c) => c.outcome === 'flaky' || c.outcome === 'unknown');
  if (!undecided.length) return '';
  const item = (c: CaseRecord) => {
    const file = fileOf(c);
    const what = c.outcome === 'flaky' ? 'its first run' : 'case file';
    return `<li>${esc(`${c.outcome} ${c.kernel}/${c.scheduler} case ${c.index} (seed ${c.seed})`)}${c.detail ? `: ${esc(c.detail)}` : ''}${file ? ` · <a href="${esc(file)}">${what}</a>` : ''}</li>`;
  };
  return `<h2>Undecided cases (${undecided.length}): not a pass</h2>\n<ul id="undecided">${undecided.map(item).join('')}</ul>`;
}
