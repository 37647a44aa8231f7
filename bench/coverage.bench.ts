// Bench of --coverage's cost (part of npm run bench): the same seeded cases with plain and with
// instrumented modules, alternated (plain, coverage, plain, coverage) so a change in the shared
// host's load hits both alike; prints wall ms per case of each and the ratio (target <= 1.25).
// The report's own cost (gcda, lcov, genhtml) is once per run and printed apart.
// Usage: npx tsx bench/coverage.bench.ts [--cases N] [--jobs J] [--seed S]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoverageRun } from '../src/coverage/run.js';
import { schedulersFor } from '../src/generate/schedulers.js';
import { createBackend } from '../src/run/backends.js';
import { runKernelCases } from '../src/run/engine.js';
import { kernelByName } from '../src/run/kernels.js';

/** Wall ms per case of one run of `cases` cases (boot excluded), plain or with coverage. */
async function perCase(o: { cases: number; jobs: number; seed: number; coverage: boolean; signal: AbortSignal }): Promise<{ ms: number; reportMs?: number; lines?: string }> {
  const k = kernelByName('6.1');
  const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-bench-cov-'));
  const coverage = o.coverage ? new CoverageRun(k.name) : undefined;
  const backend = await createBackend('qemu', { kernel: k.name, jobs: o.jobs, logDir: path.join(dir, 'logs'), ...(coverage ? { coverage } : {}) });
  try {
    const caps = await backend.start();
    const r = await runKernelCases({
      kernel: k.name, release: caps.release, semantics: k.semantics, backendName: backend.name, backend, schedulers: schedulersFor(k.name, caps),
      seed: o.seed, cases: o.cases, jobs: o.jobs, casesDir: path.join(dir, 'cases'), infraAttempts: 3, shrinkBudgetMs: 1, signal: o.signal, judgeOnly: true,
    });
    const ms = r.elapsedMs / Math.max(1, r.records.length);
    if (!coverage) return { ms };
    const t0 = Date.now();
    await backend.finishCoverage?.();
    const rep = await coverage.report(path.join(dir, 'coverage'));
    return { ms, reportMs: Date.now() - t0, lines: `${rep.lines.hit}/${rep.lines.total}` };
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function coverageCost(o: { cases: number; jobs: number; seed: number; signal: AbortSignal }): Promise<void> {
  const plain: number[] = [];
  const cov: number[] = [];
  let last: { reportMs?: number; lines?: string } = {};
  for (let round = 0; round < 2; round++) {
    plain.push((await perCase({ ...o, coverage: false })).ms);
    const c = await perCase({ ...o, coverage: true });
    cov.push(c.ms);
    last = c;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = mean(cov) / mean(plain);
  console.log(`coverage cost: kernel 6.1, ${o.cases} cases x 2 rounds each, ${o.jobs} guests, seed ${o.seed}`);
  console.log(`  plain ${plain.map((x) => x.toFixed(0)).join(', ')} ms/case; coverage ${cov.map((x) => x.toFixed(0)).join(', ')} ms/case`);
  console.log(`  => ratio ${ratio.toFixed(2)} (target <= 1.25); report (unload, gcda, lcov, genhtml) ${((last.reportMs ?? 0) / 1000).toFixed(1)} s once per run; lines ${last.lines}`);
  console.log(`  load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: v } = parseArgs({ options: { cases: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' } } });
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  await coverageCost({ cases: Number(v.cases ?? 60), jobs: Number(v.jobs ?? 2), seed: Number(v.seed ?? 20261121), signal: controller.signal });
}
