// What the commands share for --coverage: where a kernel's report goes, the text printed after a
// run (the per-file table, the goals, where the files are), and the option check.
import path from 'node:path';
import { UsageError } from '../errors.js';
import { goalsText } from './goals.js';
import type { CoverageReport } from './run.js';
import { coverageTable, pct } from './summary.js';

export const COVERAGE_HELP = `  --coverage         build instrumented IPVS modules and report which lines, branches and
                     functions the cases reached (REPORT/coverage/: lcov.info, html/, coverage.json)`;

/** REPORT/coverage, or REPORT/coverage/<kernel> when the run has several kernels. */
export function coverageDir(reportDir: string, kernel: string, severalKernels: boolean): string {
  return severalKernels ? path.join(reportDir, 'coverage', kernel) : path.join(reportDir, 'coverage');
}

export function checkCoverageBackend(coverage: boolean | undefined, backend: string): void {
  if (coverage && backend !== 'qemu') {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`--coverage\` with the qemu backend, got \`--backend ${backend}\` (a Docker host's kernel runs its own, uninstrumented modules). Fix: drop --coverage or --backend`);
  }
}

export function coverageText(r: CoverageReport, color = false): string {
  const rel = path.relative(process.cwd(), r.dir) || '.';
  return [
    `coverage of kernel ${r.kernel}'s IPVS: ${r.lines.hit}/${r.lines.total} lines (${pct(r.lines).toFixed(1)}%), ${r.arcs} arcs, ${r.takes} case runs`,
    coverageTable(r.files, color),
    goalsText(r.goals),
    `coverage report: ${rel}/lcov.info, ${rel}/html/index.html, ${rel}/coverage.json`,
  ].join('\n');
}

/** Writes one kernel's report (replay, golden --check) and prints it on stderr. */
export async function reportCoverage(run: { report(dir: string): Promise<CoverageReport> }, reportDir: string, kernel: string, severalKernels: boolean): Promise<CoverageReport> {
  const r = await run.report(coverageDir(path.resolve(reportDir), kernel, severalKernels));
  process.stderr.write(coverageText(r, !!process.stderr.isTTY) + '\n');
  return r;
}
