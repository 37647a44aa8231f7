// `ipvs-conform report merge DIR... [--out DIR]`: the shards' summaries as one.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { UsageError } from '../errors.js';
import { junitXml } from '../report/junit.js';
import { mergeSummaries, readSummary, SUMMARY_FILE } from '../report/merge.js';
import { writeSummary } from '../report/summary.js';
import { summaryTable } from '../report/table.js';
import { writeHtmlReport } from '../report/html/write.js';
import { appendStepSummary } from '../report/step-summary.js';
import { outputDir, parse } from './args.js';

export const REPORT_HELP = `Usage: ipvs-conform report merge DIR... [--out DIR] [--json]

Merges the summaries (DIR/summary.json) of the shards of one run (same --seed, --shard i/n) into
one summary, table and JUnit file.

Options:
  --out DIR   write the merged summary.json, junit.xml and index.html there (default: print only)
  --json      print the merged JSON summary on stdout
  -h, --help  this text

Example:
  ipvs-conform report merge reports/6.1-shard* --out reports/merged`;

const OPTIONS = { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, 'report', true);
  if (v.help) {
    process.stdout.write(REPORT_HELP + '\n');
    return 0;
  }
  const [sub, ...dirs] = positionals;
  if (sub !== 'merge') throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`report merge DIR...\`, got \`report ${sub ?? ''}\`. Fix: ipvs-conform report merge DIR... (see \`ipvs-conform report --help\`)`);
  if (!dirs.length) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected at least one report directory after `report merge`, got none. Fix: name the shards\' --report directories, as in `ipvs-conform report merge reports/shard-0 reports/shard-1`');
  if (v.out !== undefined) outputDir('--out', v.out);
  const parts = await Promise.all(dirs.map(readSummary));
  const merged = mergeSummaries(parts, ['ipvs-conform', 'report', ...argv].join(' '));
  if (v.out) {
    await mkdir(v.out, { recursive: true });
    await writeSummary(path.join(v.out, SUMMARY_FILE), merged);
    await writeFileAtomic(path.join(v.out, 'junit.xml'), junitXml(merged));
    await writeHtmlReport(path.resolve(v.out), merged, dirs);
  }
  await appendStepSummary(merged);
  if (v.json) process.stdout.write(JSON.stringify(merged, null, 2) + '\n');
  else process.stdout.write(summaryTable(merged) + '\n');
  return merged.exitCode;
}
