// The report's front page lists every undecided case (flaky, unknown) with a link to its own file,
// kept inside the report: a case file outside it (a merged shard's) is copied into cases/.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../../src/report/html/write.js';
import { countsBySchedulers, totalsOf, type Summary } from '../../../src/report/summary.js';
import type { CaseRecord } from '../../../src/run/records.js';

const CASE = path.resolve(import.meta.dirname, '../../../golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml');
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'ipvsc-html-'));
  dirs.push(d);
  return d;
}

function summaryOf(cases: CaseRecord[]): Summary {
  const kernels = [{ kernel: '6.1', semantics: '6.1', backend: 'qemu', elapsedMs: 1, schedulers: countsBySchedulers(cases) }];
  return { format: 1, startedAt: 'a', finishedAt: 'b', command: 'run', seed: 5, interrupted: false, exitCode: 5, totals: totalsOf(kernels), kernels, findings: [], cases };
}

describe('the report front page', () => {
  it('links each undecided case to its file, and copies one from outside into the report', async () => {
    const report = await tmp();
    const elsewhere = await tmp();
    await mkdir(path.join(report, 'cases'));
    const inside = path.join(report, 'cases', '6.1-wlc-flaky-seed5-case1.yaml');
    const outside = path.join(elsewhere, '6.1-rr-flaky-seed5-case2.yaml');
    await copyFile(CASE, inside);
    await copyFile(CASE, outside);
    const rec = (index: number, scheduler: string, outcome: CaseRecord['outcome'], file?: string): CaseRecord => ({ kernel: '6.1', index, seed: 5, scheduler, events: 9, outcome, ms: 1, detail: `why ${index}`, ...(file ? { file } : {}) });
    const s = summaryOf([rec(0, 'rr', 'agree'), rec(1, 'wlc', 'flaky', inside), rec(2, 'rr', 'flaky', outside), rec(3, 'lc', 'unknown')]);
    const { index } = await writeHtmlReport(report, s);
    const html = await readFile(index, 'utf8');
    expect(html).toContain('Undecided cases (3): not a pass');
    expect(html).toContain('flaky 6.1/wlc case 1 (seed 5): why 1 · <a href="cases/6.1-wlc-flaky-seed5-case1.yaml">its first run</a>');
    expect(html).toContain('flaky 6.1/rr case 2 (seed 5): why 2 · <a href="cases/6.1-rr-flaky-seed5-case2.yaml">its first run</a>');
    expect(html).toContain('<li>unknown 6.1/lc case 3 (seed 5): why 3</li>');
    expect(existsSync(path.join(report, 'cases', '6.1-rr-flaky-seed5-case2.yaml'))).toBe(true);
  });

  it('lists no undecided section when every case was decided', async () => {
    const { index } = await writeHtmlReport(await tmp(), summaryOf([{ kernel: '6.1', index: 0, seed: 5, scheduler: 'rr', events: 9, outcome: 'agree', ms: 1 }]));
    expect(await readFile(index, 'utf8')).not.toContain('Undecided');
  });
});
