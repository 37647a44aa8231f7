// One mutant through the harness: build it (outside the VM lock, while the previous mutant runs: a
// build that fails is "not compiled" and costs no guest), then `ipvs-conform run --patch` under the lock, stopped at its
// first confirmed divergence unless asked for the whole run, and classified from its summary.json.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '../src/errors.js';
import { buildPatchedModules } from '../src/patch/build.js';
import { REPO_ROOT } from '../src/patch/env.js';
import type { Summary } from '../src/report/summary.js';

export type MutantOutcome = 'caught' | 'survived' | 'not-compiled' | 'infra';

export interface RunOptions {
  kernel: string;
  cases: number;
  runSeed: number;
  schedulers: readonly string[];
  /** A flock(1) file shared with the machine's other guest users; none: no lock. */
  lock?: string | undefined;
  /** Run all cases even after a divergence (default: stop at the first, which classifies it). */
  full: boolean;
}

export interface MutantResult {
  outcome: MutantOutcome;
  /** The run's exit code (from its summary, or the process's when it wrote none). */
  exit?: number | string;
  firstCase?: number;
  scheduler?: string;
  detail?: string;
  casesRun?: number;
  stoppedEarly?: boolean;
  buildMs?: number;
  runMs?: number;
}

export interface Built {
  ok: boolean;
  result?: MutantResult;
  buildMs: number;
}

/** Builds one mutant's modules (cached by content, so the run finds them built). */
export async function buildMutant(patch: string, kernel: string): Promise<Built> {
  const t0 = Date.now();
  try {
    await buildPatchedModules({ kernel, patches: [patch] });
    return { ok: true, buildMs: Date.now() - t0 };
  } catch (e) {
    const lines = (e as Error).message.split('\n');
    const what = lines.find((l) => /error|FAILED/.test(l)) ?? lines[0];
    const buildMs = Date.now() - t0;
    return { ok: false, buildMs, result: { outcome: e instanceof UsageError ? 'not-compiled' : 'infra', detail: what, buildMs } };
  }
}

/** Runs and classifies one built mutant; `dir` receives the run's report and log. */
export async function runMutant(patch: string, dir: string, o: RunOptions, log: (m: string) => void): Promise<MutantResult> {
  await mkdir(dir, { recursive: true });
  const t1 = Date.now();
  const { code, stoppedEarly } = await runCli(patch, dir, o, log);
  const summary = await readSummary(path.join(dir, 'summary.json'));
  return { ...classify(summary, code), stoppedEarly, runMs: Date.now() - t1 };
}

function cliArgs(patch: string, dir: string, o: RunOptions): string[] {
  const run = ['node', path.join(REPO_ROOT, 'bin/ipvs-conform.mjs'), 'run', '--patch', patch, '--kernel', o.kernel,
    '--cases', String(o.cases), '--seed', String(o.runSeed), '--jobs', '2', '--json', '--report', dir,
    '--scheduler', o.schedulers.join(',')];
  return o.lock ? ['flock', o.lock, ...run] : run;
}

/** Runs the CLI in its own process group (so SIGINT reaches the run under flock); its log to dir/run.log. */
function runCli(patch: string, dir: string, o: RunOptions, log: (m: string) => void): Promise<{ code: number | string; stoppedEarly: boolean }> {
  const [cmd, ...args] = cliArgs(patch, dir, o);
  const child = spawn(cmd!, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const out = createWriteStream(path.join(dir, 'run.log'));
  let stoppedEarly = false;
  createInterface({ input: child.stderr }).on('line', (line) => {
    out.write(`${line}\n`);
    if (/ up in | divergence in case |KERNEL FINDING| saved | stopping/.test(line)) log(`    ${line}`);
    if (!o.full && !stoppedEarly && /( divergence|KERNEL FINDING) in case \d+/.test(line)) {
      stoppedEarly = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      out.end();
      resolve({ code: code ?? signal ?? 'unknown', stoppedEarly });
    });
  });
}

async function readSummary(file: string): Promise<Summary | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

/** Caught: exit 1 or 4 (its first finding's case and scheduler); survived: 0; 2: not compiled; else infra. */
export function classify(s: Summary | undefined, code: number | string): MutantResult {
  if (!s) return { outcome: code === 2 ? 'not-compiled' : 'infra', exit: code, detail: 'no summary.json' };
  const exit = s.exitCode;
  const casesRun = s.totals.cases;
  if (exit === 0) return { outcome: 'survived', exit, casesRun };
  if (exit === 2) return { outcome: 'not-compiled', exit, casesRun };
  if (exit !== 1 && exit !== 4) return { outcome: 'infra', exit, casesRun, detail: s.kernels.map((k) => k.stoppedBy).filter(Boolean).join('; ') };
  const found = s.cases.filter((c) => c.outcome === 'diverge' || c.outcome === 'kernel').sort((a, b) => a.index - b.index);
  const first = found[0];
  const finding = s.findings.find((f) => f.caseIndex === first?.index) ?? s.findings[0];
  return {
    outcome: 'caught', exit, casesRun,
    ...(first ? { firstCase: first.index, scheduler: finding?.scheduler ?? first.scheduler } : {}),
    ...(finding ? { detail: finding.line } : {}),
  };
}
