// `ipvs-conform run`: the nightly job. For each kernel: boot the backend, draw cases from the seed,
// judge each against the model, shrink and save every divergence, then write the summary (table,
// JSON, JUnit XML). SIGINT/SIGTERM stop it cleanly: findings are already on disk, the backend is
// closed, and the partial summary is written.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Backend, BackendOptions, Capabilities } from '../backend.js';
import { ConformError, EXIT, InfraError, UsageError } from '../errors.js';
import { ALL_SCHEDULERS, schedulersFor } from '../generate/schedulers.js';
import { resolveKernels } from '../kernels/resolve.js';
import type { Semantics } from '../model/types.js';
import { BACKENDS, createBackend } from '../run/backends.js';
import { runKernelCases } from '../run/engine.js';
import type { CaseRecord, SavedFinding } from '../run/records.js';
import { SEMANTICS } from '../run/kernels.js';
import { junitXml } from '../report/junit.js';
import { countsBySchedulers, drawnOf, reachedCounts, runExitCode, SUMMARY_FORMAT, totalsOf, writeSummary, type KernelSummary, type Summary } from '../report/summary.js';
import { summaryTable } from '../report/table.js';
import { writeHtmlReport } from '../report/html/write.js';
import { appendStepSummary } from '../report/step-summary.js';
import writeFileAtomic from 'write-file-atomic';
import { bad, durationArg, listArg, oneOf, parse, positiveInt, seedArg, shardArg, maxUnknownArg } from './args.js';
import { Progress } from './progress.js';
import { checkCoverageBackend, COVERAGE_HELP, coverageDir, coverageText } from '../coverage/cli.js';
import { CoverageRun, type CoverageReport } from '../coverage/run.js';
import { checkGuided, Corpus, CoverageGuide, GUIDED_HELP } from '../coverage/guided-cli.js';

export const RUN_HELP = `Usage: ipvs-conform run [options]

Runs generated cases on real kernels and on the model, and shrinks and saves every divergence.

Options:
  --scheduler S      only these schedulers (rr,wrr or repeated; default: every one the kernel has)
                     one of: ${ALL_SCHEDULERS.join(' ')}
  --kernel K         kernels (comma list or repeated; default: vm/kernels.yaml's default): a pinned
                     name (6.1, 6.12), debian:VERSION (a linux-image version, e.g. 6.1.192-3),
                     debian:latest-6.1, debian:latest-6.12, or tree:DIR (a built kernel tree);
                     \`ipvs-conform kernels\` lists them
  --cases N          number of cases per kernel (default 100), or
  --time-budget D    run cases until D has passed per kernel (e.g. 30m, 1h)
  --seed N           run seed (default: random, printed); case k uses a seed derived from (N, k)
  --case K           rerun only case K of the run with --seed N (sharded or not; give the same
                     --kernel, --scheduler and --max-ops as that run: they shape the case)
  --jobs J           guests run in parallel (default 2)
  --shard i/n        run only cases k with k mod n = i (same --seed on every shard)
  --report DIR       where index.html (the report to open), findings/, summary.json, junit.xml
                     and cases/ go (default reports); with GITHUB_STEP_SUMMARY set, a Markdown
                     summary is appended there too
  --json             print the JSON summary on stdout
  --patch FILE       apply this patch to the kernel's IPVS source (repeatable)
  --module DIR       build and load this out-of-tree scheduler module (repeatable)
  --backend B        qemu (default) or docker
${COVERAGE_HELP}
${GUIDED_HELP}
  --semantics S      judge with this model semantics instead of the kernel's (${SEMANTICS.join(', ')})
  --infra-retries N  attempts per case when the infrastructure fails (default 3)
  --shrink-budget D  longest time spent shrinking one divergence (default 5m)
  --max-ops N        most operations per generated case after the set-up (default 56)
  --max-unknown M    undecided cases (unknown: the model could not decide; flaky: a divergence
                     that did not repeat) the run tolerates before it exits 5: a number (default
                     0) or a share (1%); they are named with why
  -h, --help         this text

Examples:
  ipvs-conform run --cases 200
  ipvs-conform run --kernel 6.1,6.12 --scheduler rr,wrr,hprio --cases 300 --seed 7
  ipvs-conform run --kernel 6.1 --scheduler hprio --seed 7 --case 12

Exit codes: 0 all agree, 1 divergence, 2 usage or input error, 3 infrastructure failure,
4 kernel oops or warning, 5 more undecided cases than --max-unknown, 6 a guest that did not boot,
7 a bug of the harness (the model crashed, an internal error); several outcomes: the first of
4 1 7 2 6 3 5 0 that applies. Interrupted (SIGINT/SIGTERM): the findings' code if any, else 130/143.`;

const OPTIONS = {
  scheduler: { type: 'string', multiple: true },
  kernel: { type: 'string', multiple: true },
  cases: { type: 'string' },
  'time-budget': { type: 'string' },
  seed: { type: 'string' },
  case: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  patch: { type: 'string', multiple: true },
  module: { type: 'string', multiple: true },
  backend: { type: 'string' },
  coverage: { type: 'boolean' },
  guided: { type: 'boolean' },
  corpus: { type: 'string' },
  semantics: { type: 'string' },
  'infra-retries': { type: 'string' },
  'shrink-budget': { type: 'string' },
  'max-ops': { type: 'string' },
  'max-unknown': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--case K`: one case of the run with `--seed N`; in a shard, it must be one of that shard's. */
function caseArg(v: string | undefined, seed: number | undefined, shard: { index: number; count: number } | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) bad('--case', 'a case index (0, 1, 2 ...: the number after "case" in a saved file name)', v);
  if (seed === undefined) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--seed` with `--case`: a case index means nothing without its run seed. Fix: add --seed N (the seed the run printed)');
  const k = Number(v);
  if (shard && k % shard.count !== shard.index) {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`--case\` to be a case of shard ${shard.index}/${shard.count} (k mod ${shard.count} = ${shard.index}), got \`${k}\`. Fix: drop --shard (case ${k} is the same case in any shard layout)`);
  }
  return k;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, OPTIONS, 'run');
  if (v.help) {
    process.stdout.write(RUN_HELP + '\n');
    return 0;
  }
  if (v.cases !== undefined && v['time-budget'] !== undefined) {
    throw new UsageError('IPVS_CONFORM_USAGE', 'Expected one of `--cases` and `--time-budget`, got both. Fix: keep one');
  }
  const timeBudget = durationArg('--time-budget', v['time-budget']);
  const cases = timeBudget === undefined ? positiveInt('--cases', v.cases, 100) : undefined;
  const shard = shardArg(v.shard);
  const explicitSeed = seedArg(v.seed);
  if (shard && explicitSeed === undefined) {
    throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--seed` with `--shard`: every shard must draw from the same seed. Fix: add --seed N (the same on every shard)');
  }
  const onlyCase = caseArg(v.case, explicitSeed, shard);
  const seed = explicitSeed ?? Math.floor(Math.random() * 2 ** 31);
  const jobs = positiveInt('--jobs', v.jobs, 2);
  const infraAttempts = positiveInt('--infra-retries', v['infra-retries'], 3);
  const shrinkBudgetMs = durationArg('--shrink-budget', v['shrink-budget']) ?? 300_000;
  const maxUnknown = maxUnknownArg(v['max-unknown']);
  const maxOps = v['max-ops'] === undefined ? undefined : positiveInt('--max-ops', v['max-ops'], 56);
  const backendKind = oneOf('--backend', v.backend, BACKENDS, 'qemu');
  checkCoverageBackend(v.coverage, backendKind);
  checkGuided(v);
  const semanticsOverride = v.semantics === undefined ? undefined : oneOf<Semantics>('--semantics', v.semantics, SEMANTICS, '6.1');
  const kernelNames = listArg('--kernel', v.kernel);
  const wanted = listArg('--scheduler', v.scheduler);
  for (const s of wanted) if (!ALL_SCHEDULERS.includes(s)) bad('--scheduler', `one of ${ALL_SCHEDULERS.join(', ')}`, s);
  const kernels = await resolveKernels(kernelNames, { semantics: semanticsOverride, log: (m) => process.stderr.write(`${m}\n`) });
  for (const s of wanted) {
    // A kernel whose schedulers are known only once it is up (a tree) may have any.
    if (!kernels.some((k) => !k.schedulers || k.schedulers.includes(s))) {
      throw new UsageError('IPVS_CONFORM_USAGE', `Scheduler \`${s}\` is in none of the kernels asked for (${kernels.map((k) => `${k.name}: ${(k.schedulers ?? []).join(' ')}`).join('; ')}). Fix: add --kernel 6.12 or drop --scheduler ${s}`);
    }
  }
  const reportDir = path.resolve(v.report ?? 'reports');
  const casesDir = path.join(reportDir, 'cases');
  await mkdir(casesDir, { recursive: true });

  const progress = new Progress();
  const log = (m: string) => progress.log(m);
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  let current: Backend | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return; // a second signal changes nothing: we are already closing
    signalled = sig;
    log(`${sig}: stopping; findings so far are saved, closing the backend`);
    controller.abort();
    void current?.close().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date().toISOString();
  const kernelSummaries: KernelSummary[] = [];
  const records: CaseRecord[] = [];
  const findings: SavedFinding[] = [];
  const coverageReports: CoverageReport[] = [];
  const command = ['ipvs-conform', 'run', ...argv].join(' ');
  log(`ipvs-conform run: seed ${seed}${shard ? `, shard ${shard.index}/${shard.count}` : ''}, ${onlyCase !== undefined ? `case ${onlyCase} only` : cases !== undefined ? `${cases} cases` : `time budget ${v['time-budget']}`} per kernel, ${jobs} job(s), report ${path.relative(process.cwd(), reportDir) || '.'}`);

  /** `fatal`: the exit code of the error that stopped the run, which is what the process exits with. */
  const writeReports = async (fatal?: number): Promise<Summary> => {
    const totals = totalsOf(kernelSummaries);
    const code = fatal ?? runExitCode(totals, kernelSummaries, findings, maxUnknown);
    const summary: Summary = {
      format: SUMMARY_FORMAT,
      startedAt,
      finishedAt: new Date().toISOString(),
      command,
      seed,
      ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}),
      interrupted: !!signalled,
      exitCode: signalled && code === 0 ? 128 + (signalled === 'SIGINT' ? 2 : 15) : code,
      totals,
      kernels: kernelSummaries,
      findings,
      cases: records,
      drawn: drawnOf(records),
      maxUnknown,
      reached: reachedCounts(records),
    };
    await writeSummary(path.join(reportDir, 'summary.json'), summary);
    await writeFileAtomic(path.join(reportDir, 'junit.xml'), junitXml(summary));
    await writeHtmlReport(reportDir, summary);
    await appendStepSummary(summary);
    return summary;
  };

  try {
    for (const k of kernels) {
      if (controller.signal.aborted) break;
      const opts: BackendOptions = {
        kernel: k.name,
        jobs,
        logDir: path.join(reportDir, 'logs'),
        ...(v.patch?.length ? { patches: v.patch.map((p) => path.resolve(p)) } : {}),
        ...(v.module?.length ? { moduleDirs: v.module.map((m) => path.resolve(m)) } : {}),
        ...(semanticsOverride ? { semantics: semanticsOverride } : {}),
      };
      const coverage = v.coverage ? new CoverageRun(k.name) : undefined;
      if (coverage) opts.coverage = coverage;
      let backend = await createBackend(backendKind, opts);
      current = backend;
      const ks: KernelSummary = { kernel: k.name, semantics: semanticsOverride ?? k.semantics, backend: backend.name, elapsedMs: 0, schedulers: {} };
      kernelSummaries.push(ks);
      try {
        log(`[${k.name}] starting ${backend.name} backend (${jobs} guest(s))`);
        const t0 = Date.now();
        // A guest that does not come up on a loaded host is retried like any infrastructure
        // trouble: a fixed number of times, with a fresh backend.
        let caps: Capabilities | undefined;
        for (let attempt = 1; !caps; attempt++) {
          try {
            caps = await backend.start();
          } catch (e) {
            if (!(e instanceof InfraError) || e.permanent || attempt >= infraAttempts || controller.signal.aborted) throw e;
            log(`[${k.name}] the backend did not start (attempt ${attempt}/${infraAttempts}): ${e.message}; retrying`);
            await backend.close().catch(() => {});
            backend = await createBackend(backendKind, opts);
            current = backend;
          }
        }
        ks.bootMs = Date.now() - t0;
        ks.release = caps.release;
        // The model follows the kernel's exact version: the backend may have read it (a Docker
        // host's /proc/version); else the pinned kernel's package version decided.
        ks.semantics = semanticsOverride ?? caps.semantics ?? k.semantics;
        if (caps.unavailable?.length) ks.unavailable = caps.unavailable;
        // Reports name the kernel the cases ran on: a Docker host's own, mapped to a pinned name.
        const name = caps.kernel ?? k.name;
        ks.kernel = name;
        const schedulers = schedulersFor(name, caps, wanted);
        const missing = (wanted.length ? wanted : (k.schedulers ?? [])).filter((s) => !schedulers.includes(s));
        if (missing.length) log(`[${name}] the kernel cannot load ${missing.join(', ')} (it offers ${caps.schedulers.join(' ')}): not generated`);
        if (!schedulers.length) {
          ks.stoppedBy = 'no scheduler to test on this kernel';
          continue;
        }
        log(`[${name}] ${caps.release} up in ${(ks.bootMs / 1000).toFixed(1)} s; model semantics ${ks.semantics}; schedulers ${schedulers.join(' ')}`);
        const total = onlyCase !== undefined ? 1 : cases === undefined ? undefined : shard ? Math.ceil((cases - shard.index) / shard.count) : cases;
        progress.startKernel(name, total);
        const guide = coverage && v.guided ? new CoverageGuide({ seed, schedulers, ...(maxOps ? { maxOps } : {}), coverage, corpus: await Corpus.open(v.corpus, name) }) : undefined;
        const result = await runKernelCases({
          kernel: name,
          release: caps.release,
          semantics: ks.semantics as Semantics,
          backendName: backend.name,
          backend,
          schedulers,
          seed,
          ...(cases !== undefined ? { cases } : { deadline: Date.now() + timeBudget! }),
          ...(onlyCase !== undefined ? { onlyCase } : {}),
          ...(shard ? { shard } : {}),
          ...(maxOps ? { maxOps } : {}),
          jobs,
          casesDir,
          infraAttempts,
          shrinkBudgetMs,
          signal: controller.signal,
          onCase: (r) => {
            progress.onCase(r);
            void guide?.done(r).catch((e: Error) => log(`[${name}] corpus: ${e.message}`));
          },
          ...(guide ? { guide } : {}),
          onFinding: (f) => findings.push(f),
          log,
        });
        progress.stop();
        records.push(...result.records);
        ks.elapsedMs = result.elapsedMs;
        ks.schedulers = countsBySchedulers(result.records);
        if (result.stoppedBy) ks.stoppedBy = result.stoppedBy;
        if (result.stopExit !== undefined) ks.stopExit = result.stopExit;
        if (guide) log(`[${name}] ${guide.summary()}`);
        if (coverage) {
          await backend.finishCoverage?.();
          const { kernel: _k, ...report } = await coverage.report(coverageDir(reportDir, name, kernels.length > 1));
          ks.coverage = report;
          coverageReports.push({ kernel: name, ...report });
        }
      } finally {
        progress.stop();
        await backend.close();
        current = undefined;
      }
    }
  } catch (e) {
    // Whatever stopped the run, what was found is reported before the error is.
    if (kernelSummaries.length) {
      const last = kernelSummaries[kernelSummaries.length - 1]!;
      last.stoppedBy ??= `${(e as Error).name}: ${(e as Error).message}`;
      await writeReports(e instanceof ConformError ? e.exitCode : EXIT.harness).catch(() => {});
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const summary = await writeReports();
  const table = summaryTable(summary, !!process.stderr.isTTY && !v.json);
  if (v.json) {
    process.stderr.write(table + '\n');
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } else {
    process.stdout.write(table + '\n');
  }
  const color = !!process.stderr.isTTY && !v.json;
  for (const r of coverageReports) (v.json ? process.stderr : process.stdout).write(coverageText(r, color) + '\n');
  const rel = (f: string) => path.relative(process.cwd(), path.join(reportDir, f));
  process.stderr.write(`reports: ${rel('index.html')} (open it in a browser), ${rel('summary.json')}, ${rel('junit.xml')}\n`);
  return summary.exitCode;
}
