// GitHub's job summary: a Markdown table and the findings, appended only when Actions asks for it.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendStepSummary, markdownSummary } from '../../src/report/step-summary.js';
import { zeroCounts, type Summary } from '../../src/report/summary.js';

const counts = { ...zeroCounts(), cases: 300, agree: 267, divergences: 33 };
const finding = { file: 'reports/cases/a.yaml', kernel: '6.1', scheduler: 'hprio', kind: 'divergence' as const, caseIndex: 0, originalEvents: 46, minimalEvents: 6, oneMinimal: true, line: 'diverge at event 5 conn[c2 10.1.0.1:40001]: dest | x' };
const summary: Summary = {
  format: 1, startedAt: 's', finishedAt: 'f', command: 'ipvs-conform run --seed 7', seed: 7, interrupted: false, exitCode: 1,
  totals: { ...counts, casesPerMinute: 200 },
  kernels: [{ kernel: '6.1', semantics: '6.1', backend: 'qemu', elapsedMs: 1, schedulers: { hprio: counts } }],
  findings: [finding, { ...finding, file: 'reports/cases/b.yaml', caseIndex: 6, duplicateOf: 'reports/cases/a.yaml' }],
  cases: [],
};

describe('GitHub step summary', () => {
  it('is a table per kernel and scheduler and the shrunk findings with their replay line', () => {
    const md = markdownSummary(summary);
    expect(md).toContain('| 6.1 | hprio | 300 | 267 | 33 | 0 | 0 | 0 |');
    expect(md).toContain('dest \\| x (46 → 6 events, 1-minimal)');
    expect(md).toContain('`npx ipvs-conform replay reports/cases/a.yaml`');
    expect(md).not.toContain('b.yaml');
    expect(md).toContain('and 1 more with the signature of one above.');
  });

  it('is appended to $GITHUB_STEP_SUMMARY when set, and written nowhere otherwise', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'ipvsc-gh-')), 'summary.md');
    expect(await appendStepSummary(summary, {})).toBeUndefined();
    expect(await appendStepSummary(summary, { GITHUB_STEP_SUMMARY: file })).toBe(file);
    await appendStepSummary(summary, { GITHUB_STEP_SUMMARY: file });
    expect((await readFile(file, 'utf8')).match(/### ipvs-conform/g)).toHaveLength(2);
  });
});
