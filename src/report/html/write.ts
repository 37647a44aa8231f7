// Writes the HTML report beside summary.json: index.html and findings/<case>.html for every
// finding whose case file can be read. A finding without one is listed without a page.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { loadCase } from '../../casefile/casefile.js';
import type { CaseRecord, SavedFinding } from '../../run/records.js';
import type { Summary } from '../summary.js';
import { findingPage } from './finding-page.js';
import { indexPage } from './index-page.js';

export const pageName = (f: SavedFinding) => `findings/${path.basename(f.file).replace(/\.ya?ml$/, '')}.html`;

/**
 * A case file the summary names: where it says, else under `cases/` of one of `searchDirs` (a
 * shard's report downloaded elsewhere, whose summary names the path on the machine that ran it).
 */
async function findCase(reportDir: string, named: string, searchDirs: string[]) {
  for (const file of [path.resolve(reportDir, named), ...searchDirs.map((d) => path.resolve(d, 'cases', path.basename(named)))]) {
    try {
      return { file, c: await loadCase(file) };
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/** The case file inside the report: one outside it (a merged shard's) is copied into cases/. */
async function keepInReport(reportDir: string, file: string): Promise<string> {
  if (!path.relative(reportDir, file).startsWith('..')) return file;
  await mkdir(path.join(reportDir, 'cases'), { recursive: true });
  const kept = path.join(reportDir, 'cases', path.basename(file));
  await copyFile(file, kept);
  return kept;
}

/** `searchDirs`: where else case files may be (merged shards); cases found there are copied into reportDir/cases. */
export async function writeHtmlReport(reportDir: string, s: Summary, searchDirs: string[] = []): Promise<{ index: string; pages: string[] }> {
  await mkdir(path.join(reportDir, 'findings'), { recursive: true });
  const pages = new Map<SavedFinding, string>();
  for (const f of s.findings) {
    const found = await findCase(reportDir, f.file, searchDirs);
    if (!found) continue; // moved or unreadable: listed without a page
    const file = await keepInReport(reportDir, found.file);
    const out = path.join(reportDir, pageName(f));
    const yaml = path.relative(path.dirname(out), file);
    await writeFileAtomic(out, findingPage(found.c, { index: '../index.html', yaml }));
    pages.set(f, pageName(f));
  }
  const undecided = new Map<CaseRecord, string>();
  for (const r of s.cases) {
    if ((r.outcome !== 'flaky' && r.outcome !== 'unknown') || !r.file) continue;
    const found = await findCase(reportDir, r.file, searchDirs);
    if (found) undecided.set(r, path.relative(reportDir, await keepInReport(reportDir, found.file)));
  }
  const index = path.join(reportDir, 'index.html');
  await writeFileAtomic(index, indexPage(s, (f) => pages.get(f), (r) => undecided.get(r)));
  return { index, pages: [...pages.values()].map((p) => path.join(reportDir, p)) };
}
