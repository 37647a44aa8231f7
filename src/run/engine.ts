// Runs the cases of one kernel: draws case k from (seed, k), runs it on the kernel and the model,
// and turns every divergence into a confirmed, shrunk, saved case file. Up to `jobs` cases run at
// once (the backend has that many guests). Each finding is saved the moment it is confirmed, so an
// interrupted run loses nothing it found. The parts, each with one job: the case loop
// (case-loop.ts), the finding pipeline (findings.ts), the ledger of kernel trouble
// (kernel-ledger.ts), the case store (case-store.ts) and the books (records.ts).
import type fc from 'fast-check';
import type { Backend } from '../backend.js';
import type { ExitCode } from '../errors.js';
import type { Oracle } from '../judge/oracle.js';
import type { Semantics } from '../model/types.js';
import type { Mix } from '../generate/plan-arb.js';
import type { Scenario } from '../scenario.js';
import { CaseFeed, runCase } from './case-loop.js';
import { makeContext } from './context.js';
import type { CaseRecord, SavedFinding } from './records.js';
import type { Surface } from '../generate/plan.js';

export interface Shard {
  index: number;
  count: number;
}

export interface KernelRunOptions {
  kernel: string;
  release: string;
  semantics: Semantics;
  backendName: string;
  backend: Backend;
  /** Schedulers to draw from (already narrowed to what the kernel has). */
  schedulers: string[];
  seed: number;
  /** Total number of cases of the unsharded run; this shard runs those k with k mod n = i. */
  cases?: number;
  /** Epoch ms after which no new case starts. */
  deadline?: number;
  /** Run only case k of the run (`run --seed N --case K`): the same case in any shard layout. */
  onlyCase?: number;
  /** The first case index to run (bench blocks; default 0): cases first..cases-1. */
  first?: number;
  shard?: Shard;
  jobs: number;
  casesDir: string;
  /** Attempts per run when the infrastructure fails. */
  infraAttempts: number;
  /** Stop the kernel's run after this many consecutive infrastructure failures. */
  maxInfraStreak?: number;
  shrinkBudgetMs: number;
  signal: AbortSignal;
  maxOps?: number;
  /** What to leave out of the mix because the kernel's host cannot run it (Capabilities.lacks). */
  surface?: Partial<Surface>;
  onCase?: (r: CaseRecord) => void;
  onFinding?: (f: SavedFinding) => void;
  log?: (msg: string) => void;
  /** Bench only: the classic mix (before the lifecycle), to compare with the standard one. */
  mix?: Mix;
  /** Bench only: count divergences without confirming, shrinking or saving them. */
  judgeOnly?: boolean;
  /** For tests: judge with this instead of backend + model. */
  oracle?: Oracle;
  /** Coverage-guided generation (src/coverage/guide.ts): draws case k instead of the seeded generator. */
  guide?: CaseGuide;
}

/** Draws case k, with the arbitrary and seed its shrinking starts from. */
export interface CaseGuide {
  /** `label`: what drew it (an arm, a corpus mutation), recorded as the case file's generator.guided. */
  draw(k: number): { scenario: Scenario; arb: fc.Arbitrary<Scenario>; seed: number; label: string };
}

export interface KernelRunResult {
  records: CaseRecord[];
  findings: SavedFinding[];
  elapsedMs: number;
  /** Why the run ended before its cases were done (interrupted, infrastructure broken). */
  stoppedBy?: string;
  /** The exit code of what stopped it (a guest that did not boot: 6, other infrastructure: 3). */
  stopExit?: ExitCode;
}

export async function runKernelCases(o: KernelRunOptions): Promise<KernelRunResult> {
  const started = Date.now();
  const ctx = makeContext(o);
  await ctx.store.open();
  const feed = new CaseFeed(ctx);
  const worker = async () => {
    for (let k = feed.take(); k !== undefined; k = feed.take()) await runCase(ctx, k);
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  // Trouble printed after the last cases had finished: each to its case, or saved as no case's.
  if (!o.signal.aborted && o.backend.drain) for (const e of await o.backend.drain()) await ctx.ledger.add(e);
  const { book } = ctx;
  if (o.signal.aborted) book.stop('interrupted');
  return {
    records: book.records,
    findings: book.findings,
    elapsedMs: Date.now() - started,
    ...(book.stoppedBy ? { stoppedBy: book.stoppedBy } : {}),
    ...(book.stopExit !== undefined ? { stopExit: book.stopExit } : {}),
  };
}
