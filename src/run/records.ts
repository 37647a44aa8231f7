// The run's books: one record per case index, and the findings saved. Every outcome reaches them
// through CaseBook.record (the one place a record is written); kernel trouble that belongs to a
// case is marked on its record whether the record exists yet or not (its case may still be
// shrinking); a run of infrastructure failures stops the run.
import { replayCommand } from '../casefile/casefile.js';
import { EXIT, type ExitCode } from '../errors.js';
import { caseSeed } from '../generate/case-seed.js';
import { scenarioKinds } from '../generate/kinds.js';
import { scenarioScheduler } from '../generate/scenario-arb.js';
import type { Judged } from '../judge/oracle.js';
import type { Scenario } from '../scenario.js';

export type Outcome = 'agree' | 'diverge' | 'unknown' | 'flaky' | 'infra' | 'kernel' | 'model-error' | 'not-run';

export interface CaseRecord {
  kernel: string;
  index: number;
  seed: number;
  scheduler: string;
  events: number;
  outcome: Outcome;
  ms: number;
  detail?: string;
  file?: string;
  /** The kinds of event and configuration the case drew (generate/kinds.ts). */
  kinds?: string[];
  /** Lifecycle paths the model reached on this case (src/model/reached.ts). */
  reached?: string[];
}

export interface SavedFinding {
  file: string;
  kernel: string;
  scheduler: string;
  kind: 'divergence' | 'kernel';
  what?: string;
  /** The case it belongs to; absent for kernel trouble no case of the run can be named for. */
  caseIndex?: number;
  originalEvents: number;
  minimalEvents: number;
  shrinkComplete?: boolean;
  shrinkMs?: number;
  /** After fast-check's shrinking, before the reduction pass; kernel runs of both; 1-minimal reached. */
  shrunkEvents?: number;
  kernelRuns?: number;
  oneMinimal?: boolean;
  /** Set when this divergence has the signature of an earlier one and was not shrunk again. */
  duplicateOf?: string;
  line: string;
}

/** What replays a finding; kernel trouble saved without a scenario has only its console log. */
export function replayHint(f: SavedFinding): string {
  return f.file.endsWith('.log') ? `console log: ${f.file}` : `replay: ${replayCommand(f.file)}`;
}

/** How one case ended: what its record says beyond what the case itself gives. */
export interface CaseResult {
  outcome: Outcome;
  detail?: string;
  file?: string;
  /** The scheduler it is filed under, when not the case's first service's (a divergence's). */
  scheduler?: string;
  /** For infrastructure: the error's exit code (a guest that did not boot: 6). */
  exit?: ExitCode;
}

export interface BookOptions {
  kernel: string;
  seed: number;
  /** Stop after this many consecutive infrastructure failures. */
  maxInfraStreak: number;
  onCase?: (r: CaseRecord) => void;
  onFinding?: (f: SavedFinding) => void;
  log: (msg: string) => void;
}

export class CaseBook {
  readonly records: CaseRecord[] = [];
  readonly findings: SavedFinding[] = [];
  /** Why the run stopped before its cases were done, and the exit code that says so. */
  stoppedBy: string | undefined;
  stopExit: ExitCode | undefined;
  private readonly kernelMarks = new Map<number, { message: string; file: string }>();
  private infraStreak = 0;

  constructor(private readonly o: BookOptions) {}

  /** Case k's one record: its scenario, how it ended, and what its first judgement reached. */
  record(k: number, scenario: Scenario, t0: number, result: CaseResult, first?: Judged): CaseRecord {
    const reached = Object.keys(first?.model?.reached ?? {});
    const r: CaseRecord = {
      kernel: this.o.kernel,
      index: k,
      seed: caseSeed(this.o.seed, k),
      scheduler: result.scheduler ?? scenarioScheduler(scenario),
      events: scenario.events.length,
      ...(reached.length ? { reached } : {}),
      outcome: result.outcome,
      ms: Date.now() - t0,
      ...(result.detail !== undefined ? { detail: result.detail } : {}),
      ...(result.file !== undefined ? { file: result.file } : {}),
      kinds: scenarioKinds(scenario),
    };
    const mark = this.kernelMarks.get(k);
    this.kernelMarks.delete(k);
    if (mark) markKernel(r, mark.message, mark.file);
    this.records.push(r);
    this.countInfra(r, result.exit);
    this.o.onCase?.(r);
    return r;
  }

  /** Kernel trouble saved in `file` belongs to case k: its record (now, or when made) says so. */
  markKernel(k: number, message: string, file: string): void {
    const r = this.records.find((x) => x.index === k);
    if (r) markKernel(r, message, file);
    else if (!this.kernelMarks.has(k)) this.kernelMarks.set(k, { message, file });
  }

  addFinding(f: SavedFinding): void {
    this.findings.push(f);
    this.o.onFinding?.(f);
  }

  stop(reason: string, exit?: ExitCode): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    if (exit !== undefined) this.stopExit = exit;
  }

  private countInfra(r: CaseRecord, exit: ExitCode | undefined): void {
    this.infraStreak = r.outcome === 'infra' ? this.infraStreak + 1 : 0;
    if (this.infraStreak < this.o.maxInfraStreak || this.stoppedBy) return;
    this.stop(`${this.infraStreak} infrastructure failures in a row (last: ${r.detail ?? '?'})`, exit ?? EXIT.infra);
    this.o.log(`[${this.o.kernel}] stopping: ${this.stoppedBy}`);
  }
}

/** A kernel finding outranks whatever else the case showed; the rest is kept in the detail. */
function markKernel(r: CaseRecord, message: string, file: string): void {
  if (r.outcome === 'kernel') return;
  r.detail = `${message} (the case itself: ${r.outcome}${r.detail ? `, ${r.detail}` : ''})`;
  r.outcome = 'kernel';
  r.file = file;
}
