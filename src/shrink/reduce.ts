// The reduction pass after fast-check's shrinking: delta debugging, events replaced by ones that
// change less, then value simplification, repeated to a fixpoint on the real kernel, as C-Reduce
// does. At the fixpoint no candidate of any step keeps the same bug: no single event can be
// removed or weakened and no single value simplified.
// Candidates run in parallel, `jobs` at a time (the backend's guests); infrastructure errors are
// retried and never read as "the bug is gone"; a kernel finding met on the way is kept.
import type { Divergence } from '../compare/verdict.js';
import type { Scenario } from '../scenario.js';
import { CandidateJudge } from './candidate-judge.js';
import { REMOVAL_STEPS, type Step } from './remove-steps.js';
import { deletionsAsEdits } from './replace-steps.js';
import type { Judged, Oracle } from '../judge/oracle.js';
import type { MetKernelFinding } from './shrink.js';
import { SIMPLIFY_STEPS } from './simplify.js';

export const REDUCE_STEPS: readonly Step[] = [...REMOVAL_STEPS, deletionsAsEdits, ...SIMPLIFY_STEPS];

export interface ReduceOptions {
  start: Scenario;
  judged: Judged & { verdict: Divergence };
  oracle: Oracle;
  /** Candidates judged at once (the backend's guests). */
  jobs: number;
  infraAttempts?: number;
  budgetMs?: number;
  signal?: AbortSignal;
  /** Candidates must keep this property (the scheduler) to be judged at all. */
  keep?: (s: Scenario) => boolean;
  steps?: readonly Step[];
  onAdopt?: (label: string, s: Scenario) => void;
}

/** What the reduction pass spent and reached (a case file keeps them, see minimise.ts ReduceInfo). */
export interface ReduceFigures {
  /** Kernel runs spent (each attempt of a retried run counts). */
  runs: number;
  adopted: number;
  /** Candidates the infrastructure never judged (after its retries). */
  unjudged: number;
  elapsedMs: number;
  /** The fixpoint was reached with every candidate judged: the case is 1-minimal (no single event removable, no single value simpler). */
  oneMinimal: boolean;
  stoppedBy?: string;
}

export interface ReduceResult extends ReduceFigures {
  minimal: Scenario;
  judged: Judged & { verdict: Divergence };
  /** Kernel trouble candidates met (every one: candidates run in parallel); the pass stops. */
  kernelFindings: MetKernelFinding[];
}

export async function reduceDivergence(o: ReduceOptions): Promise<ReduceResult> {
  const started = Date.now();
  const budgetMs = o.budgetMs ?? 600_000;
  const judge = new CandidateJudge({ ...o, bug: o.judged.verdict, deadline: started + budgetMs, budgetMs }, o.start);
  let current = { minimal: o.start, judged: o.judged };
  let adopted = 0;
  let fixpoint = false;
  let unjudgedBefore = 0;
  // Rounds over every step until one adopts nothing: then no candidate keeps the bug.
  while (!fixpoint && !judge.stopped()) {
    fixpoint = true;
    unjudgedBefore = judge.unjudged;
    for (const step of o.steps ?? REDUCE_STEPS) {
      // After an adoption the step goes on from where it was (C-Reduce's pass state): the
      // candidates before it failed on a case that differs by one change, and the next round
      // judges them all again before the fixpoint is declared.
      for (let found, from = 0; !judge.stopped() && (found = await judge.firstKeeping(step(current.minimal, current.judged.verdict).slice(from))); from += found.index) {
        current = { minimal: found.c.scenario, judged: found.j };
        adopted++;
        fixpoint = false;
        o.onAdopt?.(found.c.label, found.c.scenario);
      }
    }
  }
  if (judge.fatal) throw judge.fatal;
  return {
    ...current,
    runs: judge.runs,
    adopted,
    unjudged: judge.unjudged,
    elapsedMs: Date.now() - started,
    // 1-minimal only if the last round judged every candidate it met.
    oneMinimal: fixpoint && !judge.stoppedBy && judge.unjudged === unjudgedBefore,
    ...(judge.stoppedBy ? { stoppedBy: judge.stoppedBy } : {}),
    kernelFindings: judge.kernelFindings,
  };
}
