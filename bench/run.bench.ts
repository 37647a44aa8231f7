// Bench of the nightly run against the real kernel (npm run bench):
// 1. cases per minute for a fixed seed, the standard mix (every scheduler the guest has, about
//    5 destinations and 30 events per case, the lifecycle's waits on virtual time) beside the
//    classic mix from before the lifecycle, 2 guests (target >= 480/min on 2 cores under TCG);
// 2. the time to shrink a real divergence of a few events to a 1-minimal case (target < 2 min),
//    fast-check's shrinker and the reduction pass: the 6.1 model judged against the 6.12 kernel,
//    whose cost and overload rules differ.
// 3. what --coverage costs per case against a plain run, and the ratio (bench/coverage.bench.ts).
// Usage: npx tsx bench/run.bench.ts [--cases N] [--jobs J] [--seed S] [--only throughput|shrink|coverage]
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCase } from '../src/casefile/casefile.js';
import { KERNEL_SCHEDULERS, schedulersFor } from '../src/generate/schedulers.js';
import { createBackend } from '../src/run/backends.js';
import { runKernelCases } from '../src/run/engine.js';
import { kernelByName } from '../src/run/kernels.js';
import { countsBySchedulers, reachedCounts, totalsOf } from '../src/report/summary.js';
import type { Backend } from '../src/backend.js';
import type { Mix } from '../src/generate/plan-arb.js';
import { LIFECYCLE_PATHS } from '../src/model/reached.js';
import type { CaseRecord } from '../src/run/records.js';
import { coverageCost } from './coverage.bench.js';

const { values: v } = parseArgs({
  options: { cases: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const cases = Number(v.cases ?? 150);
const jobs = Number(v.jobs ?? 2);
const seed = Number(v.seed ?? 20261121);
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());

/**
 * CPU ms so far of this process and of its QEMU children (utime + stime, /proc/PID/stat): what a
 * case costs whatever the host's load, and so what two idle cores could do.
 */
function cpuMs(): { host: number; qemu: number } {
  const u = process.cpuUsage();
  let qemu = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (Number(f[1]) === process.pid && comm.startsWith('qemu')) qemu += ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return { host: (u.user + u.system) / 1000, qemu };
}

/** One block of cases of one mix on the running backend; the records and the time it took. */
async function block(o: { mix: Mix; from: number; count: number; backend: Backend; kernel: ReturnType<typeof kernelByName>; release: string; schedulers: string[]; dir: string }) {
  // case k of the run: the mixes draw from the same case seeds
  const r = await runKernelCases({
    kernel: o.kernel.name, release: o.release, semantics: o.kernel.semantics, backendName: o.backend.name, backend: o.backend, schedulers: o.schedulers,
    seed, cases: o.from + o.count, first: o.from, jobs, casesDir: path.join(o.dir, 'cases'), infraAttempts: 3, shrinkBudgetMs: 1, signal: controller.signal, judgeOnly: true, mix: o.mix,
  });
  return r;
}

/**
 * Cases per minute of the standard mix (the lifecycle's waits, --set, sysctls, shut, port reuse
 * included) beside the classic mix (before the lifecycle), from one run: the same guests, the two
 * mixes in alternate blocks so the host's load weighs on both alike.
 */
async function throughput(): Promise<void> {
  const k = kernelByName('6.1');
  const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-bench-'));
  const backend = await createBackend('qemu', { kernel: k.name, jobs, logDir: path.join(dir, 'logs') });
  try {
    const t0 = Date.now();
    const caps = await backend.start();
    const bootMs = Date.now() - t0;
    const schedulers = schedulersFor(k.name, caps);
    console.log(`throughput: kernel ${k.name} (${caps.release}), ${jobs} guests on virtual time, seed ${seed}, schedulers ${schedulers.join(' ')}; boot ${(bootMs / 1000).toFixed(1)} s; load ${loadavg()}`);
    const per = Math.ceil(cases / 2);
    const acc: Record<Mix, { records: CaseRecord[]; ms: number; host: number; qemu: number }> = {
      classic: { records: [], ms: 0, host: 0, qemu: 0 },
      standard: { records: [], ms: 0, host: 0, qemu: 0 },
    };
    for (let b = 0; b < 4; b++) {
      const mix: Mix = b % 2 === 0 ? 'classic' : 'standard';
      const c0 = cpuMs();
      const r = await block({ mix, from: Math.floor(b / 2) * per, count: per, backend, kernel: k, release: caps.release, schedulers, dir });
      const c1 = cpuMs();
      acc[mix].records.push(...r.records);
      acc[mix].ms += r.elapsedMs;
      acc[mix].host += c1.host - c0.host;
      acc[mix].qemu += c1.qemu - c0.qemu;
    }
    for (const mix of ['classic', 'standard'] as const) {
      const { records, ms, host, qemu } = acc[mix];
      const t = totalsOf([{ kernel: k.name, semantics: k.semantics, backend: backend.name, elapsedMs: ms, schedulers: countsBySchedulers(records) }]);
      const events = records.reduce((a, x) => a + x.events, 0) / Math.max(1, records.length);
      console.log(`  ${mix.padEnd(8)} mix: ${records.length} cases (${events.toFixed(1)} events each) in ${(ms / 1000).toFixed(1)} s => ${t.casesPerMinute} cases/min (target >= 480); agree ${t.agree}, diverge ${t.divergences}, unknown ${t.unknowns}, flaky ${t.flaky}, infra ${t.infra}, model errors ${t.modelErrors}`);
      const n = Math.max(1, records.length);
      const perCase = (host + qemu) / n;
      console.log(`           CPU per case ${perCase.toFixed(0)} ms (QEMU ${(qemu / n).toFixed(0)}, harness ${(host / n).toFixed(0)}): ${Math.round((os.cpus().length * 60_000) / perCase)} cases/min if ${os.cpus().length} idle cores did nothing else`);
      for (const x of records.filter((r) => r.outcome !== 'agree').slice(0, 6)) console.log(`    case ${x.index} ${x.scheduler} ${x.outcome}: ${x.detail}`);
    }
    const reached = reachedCounts(acc.standard.records);
    console.log(`  standard mix, lifecycle paths reached (cases): ${LIFECYCLE_PATHS.map((p) => `${p} ${reached[p] ?? 0}`).join(', ')}`);
    console.log(`  (divergences are counted, not confirmed or shrunk: the rate is of case runs, kernel + model + comparison; load ${loadavg()})`);
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function shrink(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-bench-'));
  const backend = await createBackend('qemu', { kernel: '6.12', jobs, logDir: path.join(dir, 'logs') });
  try {
    const caps = await backend.start();
    // Only schedulers both kernels have: a 6.1 model rightly rejects twos, which proves nothing.
    const schedulers = schedulersFor('6.12', caps).filter((x) => KERNEL_SCHEDULERS['6.1']!.includes(x));
    let firstFound = 0;
    const t0 = Date.now();
    const inner = new AbortController();
    controller.signal.addEventListener('abort', () => inner.abort());
    const r = await runKernelCases({
      kernel: '6.12', release: caps.release, semantics: '6.1', backendName: backend.name, backend, schedulers,
      seed, cases: 400, jobs, casesDir: path.join(dir, 'cases'), infraAttempts: 3, shrinkBudgetMs: 600_000, signal: inner.signal,
      onFinding: (f) => {
        if (!f.duplicateOf && !firstFound) {
          firstFound = Date.now();
          inner.abort(); // one shrunk divergence is what we measure
        }
      },
      log: (m) => console.log('  ' + m),
    });
    const f = r.findings.find((x) => !x.duplicateOf);
    if (!f) {
      console.log(`shrink: no divergence of the 6.1 model against the 6.12 kernel in ${r.records.length} cases (seed ${seed})`);
      return;
    }
    const c = await loadCase(f.file);
    console.log(`shrink: 6.1 model vs 6.12 kernel (${caps.release}), seed ${seed}, case ${f.caseIndex} (${f.scheduler}), found after ${((firstFound - t0) / 1000).toFixed(1)} s`);
    const red = c.shrink?.reduce;
    const stages = red ? `${f.originalEvents} -> ${red.fromEvents} (fast-check, ${c.shrink?.tried} runs) -> ${f.minimalEvents} events (reduction, ${red.runs} runs, ${(red.elapsedMs / 1000).toFixed(1)} s${red.oneMinimal ? ', 1-minimal' : ''})` : `${f.originalEvents} -> ${f.minimalEvents} events, ${c.shrink?.tried} kernel runs`;
    console.log(`  ${stages}, ${((c.shrink?.elapsedMs ?? 0) / 1000).toFixed(1)} s in all (target < 120 s)${c.shrink?.complete ? '' : ` (stopped: ${c.shrink?.stoppedBy})`}`);
    console.log(`  ${f.line}`);
    console.log(c.diff);
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (!v.only || v.only === 'throughput') await throughput();
if (!v.only || v.only === 'shrink') await shrink();
if (!v.only || v.only === 'coverage') await coverageCost({ cases: Math.min(cases, 60), jobs, seed, signal: controller.signal });
