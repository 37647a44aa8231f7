// The run in the shape CI systems show: a Markdown summary appended to GitHub's job summary
// ($GITHUB_STEP_SUMMARY) when that variable is set.
import { appendFile } from 'node:fs/promises';
import { replayHint } from '../run/records.js';
import type { Summary } from './summary.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownSummary(s: Summary): string {
  const head = '| kernel | scheduler | cases | agree | diverge | unknown | infra | kernel findings |\n|---|---|---:|---:|---:|---:|---:|---:|';
  const rows = s.kernels.flatMap((k) => Object.entries(k.schedulers).map(([sched, c]) => `| ${k.kernel} | ${sched} | ${c.cases} | ${c.agree} | ${c.divergences} | ${c.unknowns} | ${c.infra} | ${c.kernel} |`));
  const t = s.totals;
  rows.push(`| **all** | | ${t.cases} | ${t.agree} | ${t.divergences} | ${t.unknowns} | ${t.infra} | ${t.kernel} |`);
  const findings = s.findings
    .filter((f) => !f.duplicateOf)
    .map((f) => `- **${f.kind === 'kernel' ? 'kernel finding' : 'divergence'}** ${f.kernel}/${f.scheduler}: ${cell(f.line)} (${f.originalEvents} → ${f.minimalEvents} events${f.oneMinimal ? ', 1-minimal' : ''})\n  \`${replayHint(f).replace(/^replay: /, '')}\``);
  const dups = s.findings.length - findings.length;
  return [
    `### ipvs-conform: ${t.cases} cases, ${t.divergences} diverge, ${t.kernel} kernel findings, ${t.infra} infra (exit ${s.exitCode})`,
    '',
    `\`${cell(s.command)}\` (seed ${s.seed}${s.shard ? `, shard ${s.shard}` : ''})`,
    '',
    head,
    ...rows,
    '',
    ...(findings.length ? ['Findings (the HTML report, index.html in the report folder, plots each one):', '', ...findings] : ['No findings.']),
    ...(dups ? ['', `and ${dups} more with the signature of one above.`] : []),
    '',
  ].join('\n');
}

/** Appends the summary where GitHub Actions shows it; does nothing outside Actions. */
export async function appendStepSummary(s: Summary, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  await appendFile(file, markdownSummary(s) + '\n');
  return file;
}
