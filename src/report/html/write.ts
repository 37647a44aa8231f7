// Writes the HTML report beside summary.json: index.html and findings/<case>.html for every
// finding whose case file can be read. A finding without one is listed without a page.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { loadCase } from '../../casefile/casefile.js';
import type { SavedFinding } from '../../run/engine.js';
import type { Summary } from '../summary.js';
import { findingPage } from './finding-page.js';
import { indexPage } from './index-page.js';

export const pageName = (f: SavedFinding) => `findings/${path.basename(f.file).replace(/\.ya?ml$/, '')}.html`;

export async function writeHtmlReport(reportDir: string, s: Summary): Promise<{ index: string; pages: string[] }> {
  await mkdir(path.join(reportDir, 'findings'), { recursive: true });
  const pages = new Map<SavedFinding, string>();
  for (const f of s.findings) {
    let c;
    try {
      c = await loadCase(path.resolve(reportDir, f.file));
    } catch {
      continue; // moved or unreadable: listed without a page
    }
    const out = path.join(reportDir, pageName(f));
    const yaml = path.relative(path.dirname(out), path.resolve(reportDir, f.file));
    await writeFileAtomic(out, findingPage(c, { index: '../index.html', yaml }));
    pages.set(f, pageName(f));
  }
  const index = path.join(reportDir, 'index.html');
  await writeFileAtomic(index, indexPage(s, (f) => pages.get(f)));
  return { index, pages: [...pages.values()].map((p) => path.join(reportDir, p)) };
}
