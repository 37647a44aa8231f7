// From a confirmed divergence to the case a person reads: fast-check's shrinker first (it knows
// the generator's structure and removes much at once), then the reduction pass to a 1-minimal
// case on the same kernel. Both stages' sizes and kernel runs are reported.
import { reduceDivergence, type ReduceFigures } from './reduce.js';
import { shrinkDivergence, type ShrinkOptions, type ShrinkResult } from './shrink.js';

/** The reduction pass as a case file records it: its figures, and the length before and after. */
export interface ReduceInfo extends ReduceFigures {
  fromEvents: number;
  toEvents: number;
}

export interface MinimiseResult extends ShrinkResult {
  reduce?: ReduceInfo;
}

export async function minimiseDivergence(o: ShrinkOptions & { jobs: number; reduceBudgetMs?: number }): Promise<MinimiseResult> {
  const shrunk = await shrinkDivergence(o);
  // Broken infrastructure, a bug of ours (a model crash included) or an interruption ends it here;
  // a spent shrink budget or a generator that no longer draws the case does not (the reduction
  // needs neither).
  if (shrunk.kernelFindings.length || o.signal?.aborted || /^(infrastructure failure|model error|error:)/.test(shrunk.stoppedBy ?? '')) return shrunk;
  const r = await reduceDivergence({
    start: shrunk.minimal,
    judged: shrunk.judged,
    oracle: o.oracle,
    jobs: o.jobs,
    ...(o.infraAttempts !== undefined ? { infraAttempts: o.infraAttempts } : {}),
    budgetMs: o.reduceBudgetMs ?? o.budgetMs ?? 600_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.keep ? { keep: o.keep } : {}),
  });
  const reduce: ReduceInfo = {
    fromEvents: shrunk.minimal.events.length,
    toEvents: r.minimal.events.length,
    runs: r.runs,
    adopted: r.adopted,
    unjudged: r.unjudged,
    elapsedMs: r.elapsedMs,
    oneMinimal: r.oneMinimal,
    ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
  };
  const changed = r.minimal !== shrunk.minimal;
  return {
    ...shrunk,
    minimal: r.minimal,
    judged: r.judged,
    // fast-check's path leads to the shrunk case, not to one the reduction changed.
    path: changed ? undefined : shrunk.path,
    ...(changed ? { truncatedAt: undefined } : {}),
    elapsedMs: shrunk.elapsedMs + r.elapsedMs,
    reduce,
    kernelFindings: [...shrunk.kernelFindings, ...r.kernelFindings],
  };
}
