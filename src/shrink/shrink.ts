// Shrinks a divergence against the real kernel with fast-check's own shrinker: the case's
// scenario is the first value fast-check draws from the case seed, so `fc.check` over the same
// arbitrary with that seed starts from it, and every shrink candidate is judged by the oracle (a
// fresh namespace on the real kernel plus the model). The oracle is a narrow interface, so tests
// pass a five-line fake predicate.
import fc from 'fast-check';
import { InfraError, KernelFinding, ModelError } from '../errors.js';
import type { Divergence } from '../compare/verdict.js';
import type { Judged, Oracle } from '../judge/oracle.js';
import { sameBug } from '../judge/signature.js';
import type { Scenario } from '../scenario.js';
import { DRAW } from '../generate/case-seed.js';
import { withInfraRetries } from './retry.js';

export interface ShrinkOptions {
  /** The arbitrary the case was drawn from, and the case's own seed. */
  arb: fc.Arbitrary<Scenario>;
  seed: number;
  original: Scenario;
  /** The confirmed divergence of the original. */
  originalJudged: Judged & { verdict: Divergence };
  oracle: Oracle;
  /** Attempts per candidate when the infrastructure fails (default 3). */
  infraAttempts?: number;
  /** Stop shrinking (keeping the smallest confirmed so far) after this long (default 10 min). */
  budgetMs?: number;
  /** Candidates must keep this property (e.g. the scheduler) to count; others are skipped unjudged. */
  keep?: (s: Scenario) => boolean;
  /** Most kernel runs spent on candidates that change values but not the number of events (default 12). */
  maxCosmeticRuns?: number;
  /** Stop early (SIGINT): the smallest so far is kept. */
  signal?: AbortSignal;
  /** Called after each adopted (smaller, still diverging) candidate. */
  onProgress?: (p: { minimal: Scenario; judged: Judged; adopted: number; tried: number }) => void;
}

export interface ShrinkResult {
  minimal: Scenario;
  judged: Judged & { verdict: Divergence };
  /** fast-check's counterexample path: with the seed, `fc.check(..., { seed, path })` replays it. */
  path: string | undefined;
  /** Set when the events after the first difference were cut off after fast-check's shrinking: the length before the cut (what `path` leads to). */
  truncatedAt?: number;
  /** Candidates judged on the kernel, and how many of them were adopted. */
  tried: number;
  adopted: number;
  elapsedMs: number;
  /** False when shrinking stopped early; `stoppedBy` says why (infrastructure, budget, signal). */
  complete: boolean;
  stoppedBy?: string;
  /** Kernel trouble candidates met (the search stops at the first): findings of their own. */
  kernelFindings: MetKernelFinding[];
}

/** A kernel finding met by a shrink or reduction candidate, with that candidate. */
export interface MetKernelFinding {
  scenario: Scenario;
  error: KernelFinding;
}

const key = (s: Scenario) => JSON.stringify(s);

export async function shrinkDivergence(o: ShrinkOptions): Promise<ShrinkResult> {
  const started = Date.now();
  const budget = o.budgetMs ?? 600_000;
  let current = { minimal: o.original, judged: o.originalJudged };
  let tried = 0;
  let adopted = 0;
  let stoppedBy: string | undefined;
  const kernelFindings: MetKernelFinding[] = [];
  let first = true;
  let fatal: unknown;
  let cosmetic = 0;
  const verdicts = new Map<string, boolean>([[key(o.original), false]]);

  const prop = fc.asyncProperty(o.arb, async (s) => {
    if (first) {
      first = false;
      // The first draw must be the case itself; otherwise the seed does not lead to it.
      if (key(s) !== key(o.original)) {
        stoppedBy = 'the generator does not reproduce the case from its seed (generator options changed?)';
        return true;
      }
      return false; // already confirmed: no need to run it again
    }
    // Once stopped, every further candidate is declined unjudged: that never says "the bug is
    // gone", it only ends the search at the smallest confirmed case.
    if (stoppedBy) return true;
    if (o.signal?.aborted) {
      stoppedBy = 'interrupted';
      return true;
    }
    if (Date.now() - started > budget) {
      stoppedBy = `time budget of ${Math.round(budget / 1000)} s spent`;
      return true;
    }
    if (o.keep && !o.keep(s)) return true;
    // A candidate as long as the current case only changes values (a port, a weight): worth a
    // few kernel runs for readability, not the budget. Fewer events is what counts.
    if (s.events.length >= current.minimal.events.length) {
      if (cosmetic >= (o.maxCosmeticRuns ?? 12)) return true;
      cosmetic++;
    }
    // Many plan-level shrinks map to a scenario already judged (an operation that was skipped
    // anyway, a pick that lands on the same destination): judge each scenario once.
    const k = key(s);
    const seen = verdicts.get(k);
    if (seen !== undefined) return seen;
    tried++;
    let judged: Judged;
    try {
      judged = await withInfraRetries(o.infraAttempts ?? 3, () => o.oracle(s));
    } catch (e) {
      if (e instanceof KernelFinding) {
        kernelFindings.push({ scenario: s, error: e });
        stoppedBy = `kernel finding: ${e.message}`;
        return true;
      }
      if (e instanceof InfraError) {
        stoppedBy = `infrastructure failure after ${o.infraAttempts ?? 3} attempts: ${e.message}`;
        return true;
      }
      if (e instanceof ModelError) {
        // A bug of ours on this candidate: the search ends at the smallest confirmed case.
        stoppedBy = `model error: ${e.message}`;
        return true;
      }
      fatal = e; // a bug of ours (the model threw, say): end the search and raise it below
      stoppedBy = `error: ${(e as Error).message}`;
      return true;
    }
    if (!sameBug(o.originalJudged.verdict, judged.verdict)) {
      verdicts.set(k, true);
      return true;
    }
    verdicts.set(k, false);
    adopted++;
    current = { minimal: s, judged: judged as Judged & { verdict: Divergence } };
    o.onProgress?.({ minimal: s, judged, adopted, tried });
    return false;
  });

  const details = await fc.check(prop, { ...DRAW, seed: o.seed });
  if (fatal) throw fatal;
  // fast-check's counterexample is the last candidate that failed, which is ours.
  const same = details.failed && details.counterexample !== null && key(details.counterexample[0]) === key(current.minimal);
  const path = same ? (details.counterexamplePath ?? undefined) : undefined;

  // Events after the first difference cannot change it: drop them (one more kernel run). The
  // path then leads to the case before this cut, which `truncatedAt` records.
  let truncatedAt: number | undefined;
  const step = current.judged.verdict.stepIndex;
  const cutWorthTrying = !stoppedBy || stoppedBy.startsWith('time budget');
  if (cutWorthTrying && !o.signal?.aborted && step < current.minimal.events.length - 1 && !verdicts.has(key({ ...current.minimal, events: current.minimal.events.slice(0, step + 1) }))) {
    const cut: Scenario = { ...current.minimal, events: current.minimal.events.slice(0, step + 1) };
    tried++;
    try {
      const judged = await withInfraRetries(o.infraAttempts ?? 3, () => o.oracle(cut));
      if (sameBug(o.originalJudged.verdict, judged.verdict)) {
        truncatedAt = current.minimal.events.length;
        adopted++;
        current = { minimal: cut, judged: judged as Judged & { verdict: Divergence } };
      }
    } catch (e) {
      if (e instanceof KernelFinding) kernelFindings.push({ scenario: cut, error: e });
      else if (!(e instanceof InfraError) && !(e instanceof ModelError)) throw e;
      // Keep the uncut case: it is confirmed, the cut one is not.
    }
  }
  return {
    ...current,
    path,
    ...(truncatedAt !== undefined ? { truncatedAt } : {}),
    tried,
    adopted,
    elapsedMs: Date.now() - started,
    complete: !stoppedBy,
    ...(stoppedBy ? { stoppedBy } : {}),
    kernelFindings,
  };
}
