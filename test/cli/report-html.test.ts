// `report merge --out DIR` writes the merged HTML report (index.html with a page per finding whose
// case file it can read) and appends the Markdown summary to $GITHUB_STEP_SUMMARY. No guest.
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zeroCounts, type Summary } from '../../src/report/summary.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/ipvs-conform.mjs');

async function shard(dir: string, i: number, withFinding: boolean): Promise<void> {
  await mkdir(path.join(dir, 'cases'), { recursive: true });
  const file = path.join(dir, 'cases', 'hprio-case.yaml');
  if (withFinding) await copyFile(path.join(ROOT, 'golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml'), file);
  const counts = { ...zeroCounts(), cases: 5, agree: withFinding ? 4 : 5, divergences: withFinding ? 1 : 0 };
  const s: Summary = {
    format: 1, startedAt: 'a', finishedAt: 'b', command: 'ipvs-conform run', seed: 7, shard: `${i}/2`, interrupted: false, exitCode: withFinding ? 1 : 0,
    totals: { ...counts, casesPerMinute: 1 },
    kernels: [{ kernel: '6.1', semantics: '6.1', backend: 'qemu', elapsedMs: 1000, schedulers: { hprio: counts } }],
    // The path on the machine that ran the shard, as in a downloaded CI artifact.
    findings: withFinding ? [{ file: `reports/cases/${path.basename(file)}`, kernel: '6.1', scheduler: 'hprio', kind: 'divergence', what: 'dest', caseIndex: 1, originalEvents: 39, minimalEvents: 13, line: 'diverge at event 12' }] : [],
    cases: Array.from({ length: 5 }, (_, k) => ({ kernel: '6.1', index: 2 * k + i, seed: k, scheduler: 'hprio', events: 9, outcome: withFinding && k === 0 ? 'diverge' : 'agree', ms: 1 })),
  };
  await writeFile(path.join(dir, 'summary.json'), JSON.stringify(s));
}

describe('report merge --out', () => {
  it('writes index.html with the merged counts and a page for the finding, and the step summary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-merge-html-'));
    await shard(path.join(dir, 's0'), 0, true);
    await shard(path.join(dir, 's1'), 1, false);
    const md = path.join(dir, 'summary.md');
    const r = await execa('node', [BIN, 'report', 'merge', path.join(dir, 's0'), path.join(dir, 's1'), '--out', path.join(dir, 'merged')], { reject: false, env: { GITHUB_STEP_SUMMARY: md } });
    expect(r.exitCode, r.stderr).toBe(1);
    const index = await readFile(path.join(dir, 'merged', 'index.html'), 'utf8');
    expect(index).toMatch(/<td>6\.1<\/td><td>hprio<\/td><td class="n">10<\/td><td class="n">9<\/td><td class="n bad">1<\/td>/);
    expect(index).toContain('href="findings/hprio-case.html"');
    const page = await readFile(path.join(dir, 'merged', 'findings', 'hprio-case.html'), 'utf8');
    expect(page).toContain('id="chart-active"');
    // The case was found in its shard's folder and copied beside the merged report.
    expect(page).toContain('href="../cases/hprio-case.yaml"');
    expect(await readFile(path.join(dir, 'merged', 'cases', 'hprio-case.yaml'), 'utf8')).toContain('scenario:');
    expect(await readFile(md, 'utf8')).toContain('| 6.1 | hprio | 10 | 9 | 1 | 0 | 0 | 0 |');
  }, 60_000);
});
