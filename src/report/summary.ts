// The run's summary: counts per kernel and scheduler, the saved findings, and the per-case records
// (so shards can be merged into one report). Written as JSON, atomically.
import { writeFileAtomic } from '../atomic-write.js';
import { EXIT, worstExit, type ExitCode } from '../errors.js';
import { countKinds } from '../generate/kinds.js';
import type { CaseRecord, Outcome, SavedFinding } from '../run/records.js';
import type { CoverageReport } from '../coverage/run.js';

export const SUMMARY_FORMAT = 1;

export interface Counts {
  cases: number;
  agree: number;
  divergences: number;
  unknowns: number;
  flaky: number;
  infra: number;
  kernel: number;
  modelErrors: number;
  /** Cases the backend could not run (a Docker host's real waits): neither passed nor failed. */
  notRun?: number;
}

export interface KernelSummary {
  kernel: string;
  release?: string;
  semantics: string;
  backend: string;
  /** Time spent running cases (boot excluded). */
  elapsedMs: number;
  bootMs?: number;
  stoppedBy?: string;
  /** The exit code of what stopped the kernel's run early (a guest that did not boot: 6). */
  stopExit?: number;
  /** Schedulers this kernel lacks (reported, never counted as failures). */
  unavailable?: string[];
  /** Kinds of case left out of the mix because this kernel's host cannot run them, with why. */
  notGenerated?: Record<string, string>;
  schedulers: Record<string, Counts>;
  /** With --coverage: what the cases reached of the kernel's IPVS code (src/coverage). */
  coverage?: Omit<CoverageReport, 'kernel'>;
}

/** --max-unknown: how many undecided cases (unknown or flaky) a run tolerates: a count or a share. */
export type MaxUnknown = { cases: number } | { percent: number };

/** Undecided cases over the limit? */
export function overMaxUnknown(t: Counts, max: MaxUnknown = { cases: 0 }): boolean {
  const undecided = t.unknowns + t.flaky;
  if ('cases' in max) return undecided > max.cases;
  return t.cases > 0 && (undecided * 100) / t.cases > max.percent;
}

export interface Summary {
  format: typeof SUMMARY_FORMAT;
  startedAt: string;
  finishedAt: string;
  command: string;
  seed: number;
  shard?: string;
  interrupted: boolean;
  exitCode: ExitCode | number;
  totals: Counts & { casesPerMinute: number };
  kernels: KernelSummary[];
  findings: SavedFinding[];
  cases: CaseRecord[];
  /** How many cases drew each kind of event and configuration (from the cases' kinds). */
  drawn?: Record<string, number>;
  /** --max-unknown of the run (absent: 0 cases). */
  maxUnknown?: MaxUnknown;
  /** Lifecycle paths (src/model/reached.ts) and how many cases reached each, from the model's counts. */
  reached?: Record<string, number>;
}

/** The summary's `drawn` counts, from its case records. */
export const drawnOf = (cases: readonly CaseRecord[]): Record<string, number> => countKinds(cases.map((c) => c.kinds));

export const zeroCounts = (): Counts => ({ cases: 0, agree: 0, divergences: 0, unknowns: 0, flaky: 0, infra: 0, kernel: 0, modelErrors: 0 });

const FIELD: Record<Outcome, keyof Counts> = {
  agree: 'agree',
  diverge: 'divergences',
  unknown: 'unknowns',
  flaky: 'flaky',
  infra: 'infra',
  kernel: 'kernel',
  'model-error': 'modelErrors',
  'not-run': 'notRun',
};

export function addRecord(c: Counts, r: CaseRecord): void {
  c.cases++;
  const f = FIELD[r.outcome];
  c[f] = (c[f] ?? 0) + 1;
}

export function addCounts(into: Counts, c: Counts): Counts {
  for (const k of Object.keys(c) as (keyof Counts)[]) into[k] = (into[k] ?? 0) + (c[k] ?? 0);
  return into;
}

export function countsBySchedulers(records: CaseRecord[]): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const r of records) addRecord((out[r.scheduler] ??= zeroCounts()), r);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function totalsOf(kernels: KernelSummary[]): Counts & { casesPerMinute: number } {
  const t = zeroCounts();
  for (const k of kernels) for (const c of Object.values(k.schedulers)) addCounts(t, c);
  const ms = kernels.reduce((a, k) => a + k.elapsedMs, 0);
  const judged = t.cases - t.infra - t.modelErrors - (t.notRun ?? 0);
  return { ...t, casesPerMinute: ms > 0 ? Math.round((judged / (ms / 60_000)) * 10) / 10 : 0 };
}

/** The run's exit code from its counts, in the order of EXIT_PRECEDENCE (src/errors.ts). */
export function exitCodeOf(t: Counts, maxUnknown?: MaxUnknown): ExitCode {
  if (t.kernel > 0) return EXIT.kernel;
  if (t.divergences > 0) return EXIT.divergence;
  if (t.modelErrors > 0) return EXIT.harness;
  if (t.infra > 0) return EXIT.infra;
  if (overMaxUnknown(t, maxUnknown)) return EXIT.unknown;
  return EXIT.ok;
}

/** How many cases reached each lifecycle path (each case counts once per path). */
export function reachedCounts(records: CaseRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const p of r.reached ?? []) out[p] = (out[p] ?? 0) + 1;
  return out;
}

/**
 * The exit code of a run or of merged shards: its counts' (exitCodeOf), what stopped a kernel's
 * run early, and kernel trouble no case could be named for (a kernel finding all the same), the
 * first of them in EXIT_PRECEDENCE.
 */
export function runExitCode(totals: Counts, kernels: KernelSummary[], findings: SavedFinding[], maxUnknown?: MaxUnknown): number {
  const caseless = findings.some((f) => f.kind === 'kernel' && f.caseIndex === undefined);
  return worstExit(exitCodeOf(totals, maxUnknown), ...kernels.map((k) => k.stopExit ?? EXIT.ok), caseless ? EXIT.kernel : EXIT.ok);
}

export async function writeSummary(file: string, s: Summary): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(s, null, 2) + '\n');
}
