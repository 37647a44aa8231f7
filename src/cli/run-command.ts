// `ipvs-conform run`: the nightly job. For each kernel: boot the backend, draw cases from the seed,
// judge each against the model, shrink and save every divergence, then write the summary (table,
// JSON, JUnit XML, HTML). SIGINT/SIGTERM stop it cleanly: findings are already on disk, the backend
// is closed, and the partial summary is written.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import type { Backend } from '../backend.js';
import { ConformError, EXIT } from '../errors.js';
import { ALL_SCHEDULERS } from '../generate/schedulers.js';
import type { CaseRecord, SavedFinding } from '../run/records.js';
import { junitXml } from '../report/junit.js';
import { drawnOf, reachedCounts, runExitCode, SUMMARY_FORMAT, totalsOf, writeSummary, type KernelSummary, type Summary } from '../report/summary.js';
import { summaryTable } from '../report/table.js';
import { writeHtmlReport } from '../report/html/write.js';
import { appendStepSummary } from '../report/step-summary.js';
import { COVERAGE_HELP, coverageText } from '../coverage/cli.js';
import type { CoverageReport } from '../coverage/run.js';
import { GUIDED_HELP } from '../coverage/guided-cli.js';
import { Progress } from './progress.js';
import { parseRunArgs, type RunArgs } from './run-args.js';
import { runOneKernel } from './run-kernel.js';

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
  --semantics S      judge with this rule set instead of the one the kernel's exact version picks:
                     6.1 (the 6.1.176 rules) or 6.12 (the 6.12.104+ rules, also 6.1.183+)
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

/** What a run gathers kernel by kernel, for its reports. */
export interface RunBooks {
  kernels: KernelSummary[];
  records: CaseRecord[];
  findings: SavedFinding[];
  coverage: CoverageReport[];
}

/** SIGINT/SIGTERM: stop taking cases, close the backend under the running ones. */
class Interrupts {
  readonly controller = new AbortController();
  signalled: NodeJS.Signals | undefined;
  /** The backend to close when a signal comes. */
  current: Backend | undefined;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.signalled) return; // a second signal changes nothing: we are already closing
    this.signalled = sig;
    this.log(`${sig}: stopping; findings so far are saved, closing the backend`);
    this.controller.abort();
    void this.current?.close().catch(() => {});
  };

  constructor(private readonly log: (m: string) => void) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  off(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  const a = await parseRunArgs(argv);
  if (!a) {
    process.stdout.write(RUN_HELP + '\n');
    return EXIT.ok;
  }
  await mkdir(path.join(a.reportDir, 'cases'), { recursive: true });
  const progress = new Progress();
  const log = (m: string) => progress.log(m);
  const interrupts = new Interrupts(log);
  const books: RunBooks = { kernels: [], records: [], findings: [], coverage: [] };
  const write = reportWriter(a, books, ['ipvs-conform', 'run', ...argv].join(' '), interrupts);
  log(`ipvs-conform run: seed ${a.seed}${a.shard ? `, shard ${a.shard.index}/${a.shard.count}` : ''}, ${a.onlyCase !== undefined ? `case ${a.onlyCase} only` : a.cases !== undefined ? `${a.cases} cases` : `time budget ${a.timeBudgetText}`} per kernel, ${a.jobs} job(s), report ${path.relative(process.cwd(), a.reportDir) || '.'}`);
  try {
    for (const k of a.kernels) {
      if (interrupts.controller.signal.aborted) break;
      await runOneKernel(k, a, { books, progress, log, signal: interrupts.controller.signal, onBackend: (b) => (interrupts.current = b) });
    }
  } catch (e) {
    // Whatever stopped the run, what was found is reported before the error is.
    const last = books.kernels.at(-1);
    if (last) {
      last.stoppedBy ??= `${(e as Error).name}: ${(e as Error).message}`;
      await write(e instanceof ConformError ? e.exitCode : EXIT.harness).catch(() => {});
    }
    interrupts.off();
    throw e;
  }
  // The handlers stay until the report is written: a signal meanwhile must not kill the process
  // and lose the run's exit code (main's entry takes over from here to the exit).
  try {
    const summary = await write();
    printSummary(summary, a, books.coverage);
    return summary.exitCode;
  } finally {
    interrupts.off();
  }
}

/** Writes summary.json, junit.xml, the HTML report and the step summary; `fatal`: the exit code of the error that stopped the run. */
function reportWriter(a: RunArgs, books: RunBooks, command: string, interrupts: Interrupts): (fatal?: number) => Promise<Summary> {
  const startedAt = new Date().toISOString();
  return async (fatal) => {
    const totals = totalsOf(books.kernels);
    const code = fatal ?? runExitCode(totals, books.kernels, books.findings, a.maxUnknown);
    const signalled = interrupts.signalled;
    const summary: Summary = {
      format: SUMMARY_FORMAT,
      startedAt,
      finishedAt: new Date().toISOString(),
      command,
      seed: a.seed,
      ...(a.shard ? { shard: `${a.shard.index}/${a.shard.count}` } : {}),
      interrupted: !!signalled,
      exitCode: signalled && code === 0 ? 128 + (signalled === 'SIGINT' ? 2 : 15) : code,
      totals,
      kernels: books.kernels,
      findings: books.findings,
      cases: books.records,
      drawn: drawnOf(books.records),
      maxUnknown: a.maxUnknown,
      reached: reachedCounts(books.records),
    };
    await writeSummary(path.join(a.reportDir, 'summary.json'), summary);
    await writeFileAtomic(path.join(a.reportDir, 'junit.xml'), junitXml(summary));
    await writeHtmlReport(a.reportDir, summary);
    await appendStepSummary(summary);
    return summary;
  };
}

function printSummary(summary: Summary, a: RunArgs, coverage: CoverageReport[]): void {
  const color = !!process.stderr.isTTY && !a.json;
  const table = summaryTable(summary, color);
  if (a.json) {
    process.stderr.write(table + '\n');
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } else {
    process.stdout.write(table + '\n');
  }
  for (const r of coverage) (a.json ? process.stderr : process.stdout).write(coverageText(r, color) + '\n');
  const rel = (f: string) => path.relative(process.cwd(), path.join(a.reportDir, f));
  process.stderr.write(`reports: ${rel('index.html')} (open it in a browser), ${rel('summary.json')}, ${rel('junit.xml')}\n`);
}
