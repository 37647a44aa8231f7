// The reduction pass after fast-check's shrinking: delta debugging, then value simplification,
// repeated to a fixpoint on the real kernel, as C-Reduce does. At the fixpoint no candidate of
// any step keeps the same bug: no single event can be removed and no single value simplified.
// Candidates run in parallel, `jobs` at a time (the backend's guests); infrastructure errors are
// retried and never read as "the bug is gone"; a kernel finding met on the way is kept.
import { InfraError, KernelFinding } from '../errors.js';
import type { Divergence } from '../compare/verdict.js';
import type { Scenario } from '../scenario.js';
import { validateScenario } from '../casefile/validate-scenario.js';
import { REMOVAL_STEPS, type Candidate, type Step } from './remove-steps.js';
import { withInfraRetries } from './retry.js';
import { sameBug, type Judged, type Oracle } from './shrink.js';
import { SIMPLIFY_STEPS } from './simplify.js';

export const REDUCE_STEPS: readonly Step[] = [...REMOVAL_STEPS, ...SIMPLIFY_STEPS];

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

export interface ReduceResult {
  minimal: Scenario;
  judged: Judged & { verdict: Divergence };
  /** Kernel runs spent (each attempt of a retried run counts). */
  runs: number;
  adopted: number;
  /** Candidates the infrastructure never judged (after its retries). */
  unjudged: number;
  elapsedMs: number;
  /** The fixpoint was reached with every candidate judged: the case is 1-minimal. */
  oneMinimal: boolean;
  stoppedBy?: string;
  kernelFinding?: { scenario: Scenario; error: KernelFinding };
}

const key = (s: Scenario) => JSON.stringify(s);

function valid(s: Scenario): boolean {
  try {
    validateScenario(undefined, 'scenario', s);
    return s.events.length > 0;
  } catch {
    return false;
  }
}

export async function reduceDivergence(o: ReduceOptions): Promise<ReduceResult> {
  const started = Date.now();
  const deadline = started + (o.budgetMs ?? 600_000);
  let current = { minimal: o.start, judged: o.judged };
  const keeps = new Map<string, boolean>([[key(o.start), true]]);
  let runs = 0;
  let adopted = 0;
  let unjudged = 0;
  let unjudgedThisRound = 0;
  let stoppedBy: string | undefined;
  let kernelFinding: ReduceResult['kernelFinding'];
  let fatal: unknown;

  const stopped = () => {
    if (!stoppedBy && o.signal?.aborted) stoppedBy = 'interrupted';
    if (!stoppedBy && Date.now() > deadline) stoppedBy = `time budget of ${Math.round((o.budgetMs ?? 600_000) / 1000)} s spent`;
    return stoppedBy !== undefined;
  };

  /** True: keeps the bug; false: does not; undefined: not judged (infrastructure, stopped). */
  const judge = async (c: Candidate): Promise<Judged | false | undefined> => {
    try {
      const j = await withInfraRetries(o.infraAttempts ?? 3, () => (runs++, o.oracle(c.scenario)));
      const same = sameBug(o.judged.verdict, j.verdict);
      keeps.set(key(c.scenario), same);
      return same ? j : false;
    } catch (e) {
      if (e instanceof KernelFinding) {
        kernelFinding ??= { scenario: c.scenario, error: e };
        stoppedBy ??= `kernel finding: ${e.message}`;
      } else if (e instanceof InfraError) {
        unjudged++;
        unjudgedThisRound++;
      }
      else {
        fatal ??= e;
        stoppedBy ??= `error: ${(e as Error).message}`;
      }
      return undefined;
    }
  };

  const fresh = (cands: Candidate[]): Candidate[] => {
    const seen = new Set<string>();
    return cands.filter((c) => {
      const k = key(c.scenario);
      if (seen.has(k) || keeps.has(k)) return false;
      seen.add(k);
      return valid(c.scenario) && (!o.keep || o.keep(c.scenario));
    });
  };

  /** The first candidate, in order, that keeps the bug; judged `jobs` at a time. */
  const firstKeeping = async (cands: Candidate[]): Promise<{ c: Candidate; j: Judged } | undefined> => {
    const width = Math.max(1, o.jobs);
    for (let at = 0; at < cands.length && !stopped(); at += width) {
      const batch = cands.slice(at, at + width);
      const results = await Promise.all(batch.map(judge));
      const i = results.findIndex((r) => r);
      if (i >= 0) return { c: batch[i]!, j: results[i] as Judged };
    }
    return undefined;
  };

  let fixpoint = false;
  while (!fixpoint && !stopped()) {
    fixpoint = true;
    unjudgedThisRound = 0;
    for (const step of o.steps ?? REDUCE_STEPS) {
      for (let found; !stopped() && (found = await firstKeeping(fresh(step(current.minimal, current.judged.verdict)))); ) {
        current = { minimal: found.c.scenario, judged: found.j as Judged & { verdict: Divergence } };
        adopted++;
        fixpoint = false;
        o.onAdopt?.(found.c.label, found.c.scenario);
      }
    }
  }
  if (fatal) throw fatal;
  return {
    ...current,
    runs,
    adopted,
    unjudged,
    elapsedMs: Date.now() - started,
    oneMinimal: fixpoint && !stoppedBy && unjudgedThisRound === 0,
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(kernelFinding ? { kernelFinding } : {}),
  };
}
