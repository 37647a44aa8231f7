// The HTML report as a person sees it: rendered by Debian's chromium (headless, no network), the
// screenshot must show the plotted counters and the red line at the first difference, at the
// x of that event, and the page must log no error and fetch nothing. The finding is the 6.1
// kernel's hprio divergence as the real kernel recorded it (golden/known-divergences).
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadCase } from '../../../src/casefile/casefile.js';
import { writeHtmlReport } from '../../../src/report/html/write.js';
import { zeroCounts, type Summary } from '../../../src/report/summary.js';
import { expectPlotAndMark, launch, render } from '../../helpers/browser.js';

const CASE = path.resolve(import.meta.dirname, '../../../golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml');

async function reportWithTheCase(): Promise<{ dir: string; summary: Summary }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-html-'));
  await mkdir(path.join(dir, 'cases'));
  const file = path.join(dir, 'cases', path.basename(CASE));
  await copyFile(CASE, file);
  const c = await loadCase(file);
  const counts = { ...zeroCounts(), cases: 10, agree: 9, divergences: 1 };
  const summary: Summary = {
    format: 1, startedAt: 'now', finishedAt: 'now', command: 'ipvs-conform run --kernel 6.1 --scheduler hprio', seed: 7, interrupted: false, exitCode: 1,
    totals: { ...counts, casesPerMinute: 100 },
    kernels: [{ kernel: '6.1', semantics: '6.1', backend: 'qemu', elapsedMs: 1, schedulers: { hprio: counts } }],
    findings: [{ file, kernel: '6.1', scheduler: 'hprio', kind: 'divergence', what: c.verdict!.what, caseIndex: 3, originalEvents: 39, minimalEvents: c.scenario.events.length, line: 'diverge at event 12' }],
    cases: [],
  };
  return { dir, summary };
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  }, 60_000);
  afterAll(async () => browser?.close());

  it('a finding page shows the counters plotted and the first difference marked, with no error and no fetch', async () => {
    const { dir, summary } = await reportWithTheCase();
    const { pages } = await writeHtmlReport(dir, summary);
    expect(pages).toHaveLength(1);
    const r = await render(browser, pages[0]!);
    expectPlotAndMark(r);
    // The marked event is event 12 of the case: its x lies right of the middle of a 13-event chart.
    expect(r.charts[0]!.markX!).toBeGreaterThan(r.charts[0]!.box.x + r.charts[0]!.box.width / 2);
    const html = await readFile(pages[0]!, 'utf8');
    expect(html).toContain('<tr class="first" id="first"><td class="n">12</td>');
  }, 120_000);

  it('the index links to the finding and renders without error or fetch', async () => {
    const { dir, summary } = await reportWithTheCase();
    const { index } = await writeHtmlReport(dir, summary);
    const r = await render(browser, index);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    const html = await readFile(index, 'utf8');
    expect(html).toContain('href="findings/6.1-hprio-overloaded-same-weight.html"');
    expect(html).toMatch(/<td>6\.1<\/td><td>hprio<\/td><td class="n">10<\/td><td class="n">9<\/td><td class="n bad">1<\/td>/);
  }, 120_000);
});
