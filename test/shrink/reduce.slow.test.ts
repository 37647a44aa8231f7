// The reduction pass on the real 6.1 kernel (QEMU, TCG): the hprio divergence a short run finds
// must be saved 1-minimal, small enough to read at a glance (two destinations, at most five
// connections, weights of 1 or 2), with both stages' sizes and kernel runs, and still replay.
// The run (`--cases 300 --seed 7`) meets its first hprio divergence in case 13, so 14
// cases find the same one: a cursor reset between two connections that the generator made by
// adding and deleting a third destination; the reduction replaces the deletion by a no-op edit
// and the third destination goes (6 events, weights 1, one upper threshold of 1). The
// run's HTML report renders in headless Chromium with the plot and the marked event; the
// Markdown summary goes to GITHUB_STEP_SUMMARY.
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';
import { pageName } from '../../src/report/html/write.js';
import { expectPlotAndMark, launch, render } from '../helpers/browser.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');

describe('1-minimal cases on the real kernel', () => {
  it('run --kernel 6.1 --scheduler hprio --cases 14 --seed 7 saves a 1-minimal hprio case', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-reduce-'));
    const stepSummary = path.join(report, 'step-summary.md');
    const r = await execa('node', [BIN, 'run', '--kernel', '6.1', '--scheduler', 'hprio', '--cases', '14', '--seed', '7', '--report', report, '--json'], {
      reject: false,
      env: { GITHUB_STEP_SUMMARY: stepSummary },
    });
    expect(r.exitCode, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout);
    const f = summary.findings.find((x: { duplicateOf?: string }) => !x.duplicateOf);
    expect(f.oneMinimal, r.stderr).toBe(true);
    expect(f.kernelRuns).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/-> \d+ events \(shrink \d+ runs\) -> \d+ events \(reduce \d+ runs, 1-minimal\)/);

    const c = await loadCase(f.file);
    expect(c.shrink!.reduce).toMatchObject({ oneMinimal: true, unjudged: 0, toEvents: c.scenario.events.length });
    const events = c.scenario.events;
    const dests = new Set(events.flatMap((e) => (e.op === 'dest-add' ? [e.dest] : [])));
    expect(dests.size, JSON.stringify(events)).toBe(2);
    expect(events.filter((e) => e.op === 'connect').length).toBeLessThanOrEqual(5);
    for (const e of events) if (e.op === 'dest-add' || e.op === 'dest-edit') expect([1, 2]).toContain(e.weight);

    const md = await readFile(stepSummary, 'utf8');
    expect(md).toMatch(/\| 6\.1 \| hprio \| 14 \| \d+ \| [1-9]\d* \|/);
    expect(md).toContain(`npx ipvs-conform replay ${f.file}`);

    const browser = await launch();
    try {
      const rendered = await render(browser, path.join(report, pageName(f)));
      expectPlotAndMark(rendered);
      const index = await render(browser, path.join(report, 'index.html'));
      expect(index.errors).toEqual([]);
      expect(await readFile(path.join(report, 'index.html'), 'utf8')).toContain(`href="${pageName(f)}"`);
    } finally {
      await browser.close();
    }

    const re = await execa('node', [BIN, 'replay', f.file], { reject: false });
    expect(re.stdout, re.stderr).toMatch(/verdict \(model semantics 6\.1\): diverge/);
    expect(re.exitCode).toBe(1);
  }, 900_000);
});
