// One kernel of `ipvs-conform run`: start its backend (a guest that does not come up on a loaded
// host is retried like any infrastructure trouble), choose the schedulers it has, run the engine,
// and put what it found in the run's books and the kernel's summary.
import path from 'node:path';
import type { Backend, BackendOptions, Capabilities } from '../backend.js';
import { InfraError } from '../errors.js';
import { schedulersFor } from '../generate/schedulers.js';
import type { Surface } from '../generate/plan.js';
import type { Semantics } from '../model/types.js';
import { countsBySchedulers, type KernelSummary } from '../report/summary.js';
import { createBackend } from '../run/backends.js';
import { runKernelCases } from '../run/engine.js';
import type { PinnedKernel } from '../run/kernels.js';
import { coverageDir } from '../coverage/cli.js';
import { CoverageRun } from '../coverage/run.js';
import { Corpus, CoverageGuide } from '../coverage/guided-cli.js';
import type { Progress } from './progress.js';
import type { RunArgs } from './run-args.js';
import type { RunBooks } from './run-command.js';

export interface KernelRunEnv {
  books: RunBooks;
  progress: Progress;
  log: (m: string) => void;
  signal: AbortSignal;
  /** The backend now running (closed by a signal). */
  onBackend: (b: Backend | undefined) => void;
}

export async function runOneKernel(k: PinnedKernel, a: RunArgs, env: KernelRunEnv): Promise<void> {
  const opts: BackendOptions = {
    kernel: k.name,
    jobs: a.jobs,
    logDir: path.join(a.reportDir, 'logs'),
    ...(a.patches.length ? { patches: a.patches } : {}),
    ...(a.moduleDirs.length ? { moduleDirs: a.moduleDirs } : {}),
    ...(a.semanticsOverride ? { semantics: a.semanticsOverride } : {}),
  };
  const coverage = a.coverage ? new CoverageRun(k.name) : undefined;
  if (coverage) opts.coverage = coverage;
  const ks: KernelSummary = { kernel: k.name, semantics: a.semanticsOverride ?? k.semantics, backend: a.backendKind, elapsedMs: 0, schedulers: {} };
  env.books.kernels.push(ks);
  let backend: Backend | undefined;
  try {
    const t0 = Date.now();
    const started = await startBackend(k, a, opts, env);
    backend = started.backend;
    ks.bootMs = Date.now() - t0;
    await runOnBackend(k, a, env, ks, started, coverage);
  } finally {
    env.progress.stop();
    await backend?.close();
    env.onBackend(undefined);
  }
}

/** The backend, started; a failure to start is retried with a fresh backend (--infra-retries). */
async function startBackend(k: PinnedKernel, a: RunArgs, opts: BackendOptions, env: KernelRunEnv): Promise<{ backend: Backend; caps: Capabilities }> {
  for (let attempt = 1; ; attempt++) {
    const backend = await createBackend(a.backendKind, opts);
    env.onBackend(backend);
    if (attempt === 1) env.log(`[${k.name}] starting ${backend.name} backend (${a.jobs} guest(s))`);
    try {
      return { backend, caps: await backend.start() };
    } catch (e) {
      await backend.close().catch(() => {});
      if (!(e instanceof InfraError) || e.permanent || attempt >= a.infraAttempts || env.signal.aborted) throw e;
      env.log(`[${k.name}] the backend did not start (attempt ${attempt}/${a.infraAttempts}): ${e.message}; retrying`);
    }
  }
}

async function runOnBackend(k: PinnedKernel, a: RunArgs, env: KernelRunEnv, ks: KernelSummary, { backend, caps }: { backend: Backend; caps: Capabilities }, coverage: CoverageRun | undefined): Promise<void> {
  const { log } = env;
  ks.backend = backend.name;
  ks.release = caps.release;
  // The model follows the kernel's exact version: the backend may have read it (a Docker host's
  // /proc/version); else the pinned kernel's package version decided.
  ks.semantics = a.semanticsOverride ?? caps.semantics ?? k.semantics;
  if (caps.unavailable?.length) ks.unavailable = caps.unavailable;
  if (caps.lacks && Object.keys(caps.lacks).length) ks.notGenerated = { ...caps.lacks };
  // Reports name the kernel the cases ran on: a Docker host's own, mapped to a pinned name.
  const name = caps.kernel ?? k.name;
  ks.kernel = name;
  const schedulers = schedulersFor(name, caps, a.wanted);
  const missing = (a.wanted.length ? a.wanted : (k.schedulers ?? [])).filter((s) => !schedulers.includes(s));
  if (missing.length) log(`[${name}] the kernel cannot load ${missing.join(', ')} (it offers ${caps.schedulers.join(' ')}): not generated`);
  if (!schedulers.length) {
    ks.stoppedBy = 'no scheduler to test on this kernel';
    return;
  }
  log(`[${name}] ${caps.release} up in ${((ks.bootMs ?? 0) / 1000).toFixed(1)} s; model semantics ${ks.semantics}; schedulers ${schedulers.join(' ')}`);
  const { cases, shard, onlyCase, maxOps } = a;
  env.progress.startKernel(name, onlyCase !== undefined ? 1 : cases === undefined ? undefined : shard ? Math.ceil((cases - shard.index) / shard.count) : cases);
  const guide = coverage && a.guided ? new CoverageGuide({ seed: a.seed, schedulers, ...(maxOps ? { maxOps } : {}), coverage, corpus: await Corpus.open(a.corpus, name) }) : undefined;
  const result = await runKernelCases({
    kernel: name,
    release: caps.release,
    semantics: ks.semantics as Semantics,
    backendName: backend.name,
    backend,
    schedulers,
    seed: a.seed,
    ...(cases !== undefined ? { cases } : { deadline: Date.now() + a.timeBudgetMs! }),
    ...(onlyCase !== undefined ? { onlyCase } : {}),
    ...(shard ? { shard } : {}),
    ...(maxOps ? { maxOps } : {}),
    ...surfaceFor(caps, name, log),
    jobs: a.jobs,
    casesDir: path.join(a.reportDir, 'cases'),
    infraAttempts: a.infraAttempts,
    shrinkBudgetMs: a.shrinkBudgetMs,
    signal: env.signal,
    onCase: (r) => {
      env.progress.onCase(r);
      void guide?.done(r).catch((e: Error) => log(`[${name}] corpus: ${e.message}`));
    },
    ...(guide ? { guide } : {}),
    onFinding: (f) => env.books.findings.push(f),
    log,
  });
  env.progress.stop();
  env.books.records.push(...result.records);
  ks.elapsedMs = result.elapsedMs;
  ks.schedulers = countsBySchedulers(result.records);
  if (result.stoppedBy) ks.stoppedBy = result.stoppedBy;
  if (result.stopExit !== undefined) ks.stopExit = result.stopExit;
  if (guide) log(`[${name}] ${guide.summary()}`);
  if (coverage) {
    await backend.finishCoverage?.();
    const { kernel: _k, ...report } = await coverage.report(coverageDir(a.reportDir, name, a.kernels.length > 1));
    ks.coverage = report;
    env.books.coverage.push({ kernel: name, ...report });
  }
}

/** The mix without what the kernel's host cannot run, each left-out kind said once with its reason. */
function surfaceFor(caps: Capabilities, name: string, log: (msg: string) => void): { surface?: Partial<Surface> } {
  const reason = caps.lacks?.fwmark;
  if (!reason) return {};
  log(`[${name}] fwmark cases not generated: ${reason}`);
  return { surface: { fwmark: false } };
}
