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

type Current = { minimal: Scenario; judged: Judged & { verdict: Divergence } };

/** What one candidate's kernel run says: the run (judged), or why the search stops here. */
type Run = { judged: Judged } | { stop: string };

/** One search: the smallest confirmed case so far, the candidates judged, and why it stopped. */
class Search {
  readonly started = Date.now();
  current: Current;
  tried = 0;
  adopted = 0;
  stoppedBy: string | undefined;
  readonly kernelFindings: MetKernelFinding[] = [];
  private cosmetic = 0;
  /** Scenario -> does fast-check's property hold (true: the bug is gone from it). */
  readonly verdicts: Map<string, boolean>;

  constructor(private readonly o: ShrinkOptions) {
    this.current = { minimal: o.original, judged: o.originalJudged };
    this.verdicts = new Map([[key(o.original), false]]);
  }

  /**
   * Why `s` is declined unjudged, if it is. Once stopped, every further candidate is: that never
   * says "the bug is gone", it only ends the search at the smallest confirmed case.
   */
  declined(s: Scenario): boolean {
    const o = this.o;
    const budget = o.budgetMs ?? 600_000;
    if (!this.stoppedBy && o.signal?.aborted) this.stoppedBy = 'interrupted';
    if (!this.stoppedBy && Date.now() - this.started > budget) this.stoppedBy = `time budget of ${Math.round(budget / 1000)} s spent`;
    if (this.stoppedBy || (o.keep && !o.keep(s))) return true;
    // A candidate as long as the current case only changes values (a port, a weight): worth a
    // few kernel runs for readability, not the budget. Fewer events is what counts.
    if (s.events.length < this.current.minimal.events.length) return false;
    if (this.cosmetic >= (o.maxCosmeticRuns ?? 12)) return true;
    this.cosmetic++;
    return false;
  }

  /** fast-check's property on a candidate: false (it keeps the bug, adopted) or true. */
  async property(s: Scenario): Promise<boolean> {
    if (this.declined(s)) return true;
    // Many plan-level shrinks map to a scenario already judged (an operation that was skipped
    // anyway, a pick that lands on the same destination): judge each scenario once.
    const k = key(s);
    const seen = this.verdicts.get(k);
    if (seen !== undefined) return seen;
    const run = await this.run(s);
    if ('stop' in run) {
      this.stoppedBy = run.stop;
      return true;
    }
    const kept = this.adoptIfSameBug(s, run.judged);
    this.verdicts.set(k, !kept);
    if (kept) this.o.onProgress?.({ minimal: s, judged: run.judged, adopted: this.adopted, tried: this.tried });
    return !kept;
  }

  /** One kernel run of a candidate; anything but infrastructure, the kernel or the model is a bug of ours and raised. */
  async run(s: Scenario): Promise<Run> {
    const attempts = this.o.infraAttempts ?? 3;
    this.tried++;
    try {
      return { judged: await withInfraRetries(attempts, () => this.o.oracle(s)) };
    } catch (e) {
      if (e instanceof KernelFinding) {
        this.kernelFindings.push({ scenario: s, error: e });
        return { stop: `kernel finding: ${e.message}` };
      }
      if (e instanceof InfraError) return { stop: `infrastructure failure after ${attempts} attempts: ${e.message}` };
      // A bug of ours on this candidate: the search ends at the smallest confirmed case.
      if (e instanceof ModelError) return { stop: `model error: ${e.message}` };
      throw e;
    }
  }

  adoptIfSameBug(s: Scenario, judged: Judged): boolean {
    if (!sameBug(this.o.originalJudged.verdict, judged.verdict)) return false;
    this.adopted++;
    this.current = { minimal: s, judged: judged as Current['judged'] };
    return true;
  }
}

export async function shrinkDivergence(o: ShrinkOptions): Promise<ShrinkResult> {
  const search = new Search(o);
  let first = true;
  let fatal: unknown;
  const prop = fc.asyncProperty(o.arb, async (s) => {
    if (first) {
      first = false;
      // The first draw must be the case itself; otherwise the seed does not lead to it.
      if (key(s) === key(o.original)) return false; // already confirmed: no need to run it again
      search.stoppedBy = 'the generator does not reproduce the case from its seed (generator options changed?)';
      return true;
    }
    try {
      return await search.property(s);
    } catch (e) {
      fatal = e; // a bug of ours: end the search and raise it below
      search.stoppedBy = `error: ${(e as Error).message}`;
      return true;
    }
  });
  const details = await fc.check(prop, { ...DRAW, seed: o.seed });
  if (fatal) throw fatal;
  // fast-check's counterexample is the last candidate that failed, which is ours.
  const same = details.failed && details.counterexample !== null && key(details.counterexample[0]) === key(search.current.minimal);
  const path = same ? (details.counterexamplePath ?? undefined) : undefined;
  const truncatedAt = await cutAfterDifference(search, o);
  return {
    ...search.current,
    path,
    ...(truncatedAt !== undefined ? { truncatedAt } : {}),
    tried: search.tried,
    adopted: search.adopted,
    elapsedMs: Date.now() - search.started,
    complete: !search.stoppedBy,
    ...(search.stoppedBy ? { stoppedBy: search.stoppedBy } : {}),
    kernelFindings: search.kernelFindings,
  };
}

/**
 * Events after the first difference cannot change it: drop them (one more kernel run). The path
 * then leads to the case before this cut: the length returned (`truncatedAt`). A cut that fails
 * to run keeps the uncut case: it is confirmed, the cut one is not.
 */
async function cutAfterDifference(search: Search, o: ShrinkOptions): Promise<number | undefined> {
  const { minimal, judged } = search.current;
  const cut: Scenario = { ...minimal, events: minimal.events.slice(0, judged.verdict.stepIndex + 1) };
  const worthTrying = !search.stoppedBy || search.stoppedBy.startsWith('time budget');
  if (!worthTrying || o.signal?.aborted || cut.events.length === minimal.events.length || search.verdicts.has(key(cut))) return undefined;
  const run = await search.run(cut);
  return 'judged' in run && search.adoptIfSameBug(cut, run.judged) ? minimal.events.length : undefined;
}
