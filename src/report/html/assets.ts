// The chart library, inlined into every page so a report opens anywhere with no network:
// Chart.js and its annotation plugin (both MIT), read from the installed packages.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let cached: string | undefined;

/** The scripts' text, safe to put inside <script> (no "</script" in either). */
export function chartScripts(): string {
  // Neither package exports its browser build: find it beside the entry point.
  const beside = (pkg: string, file: string) => path.join(path.dirname(require.resolve(pkg)), file);
  cached ??= [beside('chart.js', 'chart.umd.min.js'), beside('chartjs-plugin-annotation', 'chartjs-plugin-annotation.min.js')]
    .map((f) => readFileSync(f, 'utf8').replace(/<\/script/gi, '<\\/script'))
    .join('\n;\n');
  return cached;
}
