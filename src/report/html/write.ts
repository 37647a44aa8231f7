// Writes the HTML report beside summary.json: index.html and findings/<case>.html for every
// finding whose case file can be read. A finding without one is listed without a page.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { loadCase } from '../../casefile/casefile.js';
import type { SavedFinding } from '../../run/records.js';
import type { Summary } from '../summary.js';
import { findingPage } from './finding-page.js';
import { indexPage } from './index-page.js';

export const pageName = (f: SavedFinding) => `findings/${path.basename(f.file).replace(/\.ya?ml$/, '')}.html`;

/**
 * The case file of a finding: where the summary says, else under `cases/` of one of `searchDirs`
 * (a shard's report downloaded elsewhere, whose summary names the path on the machine that ran it).
 */
async function findCase(reportDir: string, f: SavedFinding, searchDirs: string[]) {
  for (const file of [path.resolve(reportDir, f.file), ...searchDirs.map((d) => path.resolve(d, 'cases', path.basename(f.file)))]) {
    try {
      return { file, c: await loadCase(file) };
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/** `searchDirs`: where else case files may be (merged shards); cases found there are copied into reportDir/cases. */
export async function writeHtmlReport(reportDir: string, s: Summary, searchDirs: string[] = []): Promise<{ index: string; pages: string[] }> {
  await mkdir(path.join(reportDir, 'findings'), { recursive: true });
  const pages = new Map<SavedFinding, string>();
  for (const f of s.findings) {
    const found = await findCase(reportDir, f, searchDirs);
    if (!found) continue; // moved or unreadable: listed without a page
    const { c } = found;
    let file = found.file;
    if (path.relative(reportDir, file).startsWith('..')) {
      // Keep the report whole: the case goes beside it.
      await mkdir(path.join(reportDir, 'cases'), { recursive: true });
      await copyFile(file, (file = path.join(reportDir, 'cases', path.basename(file))));
    }
    const out = path.join(reportDir, pageName(f));
    const yaml = path.relative(path.dirname(out), file);
    await writeFileAtomic(out, findingPage(c, { index: '../index.html', yaml }));
    pages.set(f, pageName(f));
  }
  const index = path.join(reportDir, 'index.html');
  await writeFileAtomic(index, indexPage(s, (f) => pages.get(f)));
  return { index, pages: [...pages.values()].map((p) => path.join(reportDir, p)) };
}
