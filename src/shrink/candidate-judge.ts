// Judges reduction candidates on the kernel, `jobs` at a time, each scenario once. Infrastructure
// trouble is retried, then leaves the candidate unjudged (never "the bug is gone"); a kernel
// finding is kept and stops the search; a model crash stops it (a model error, never unjudged
// infrastructure); any other bug of ours stops it and is raised by the caller.
import { validateScenario } from '../casefile/validate-scenario.js';
import type { Divergence } from '../compare/verdict.js';
import { InfraError, KernelFinding, ModelError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import type { Candidate } from './remove-steps.js';
import { withInfraRetries } from './retry.js';
import type { Judged, Oracle } from '../judge/oracle.js';
import { sameBug } from '../judge/signature.js';
import type { MetKernelFinding } from './shrink.js';

const key = (s: Scenario) => JSON.stringify(s);

function valid(s: Scenario): boolean {
  try {
    validateScenario(undefined, 'scenario', s);
    return s.events.length > 0;
  } catch {
    return false;
  }
}

export class CandidateJudge {
  /** Scenario -> does it keep the bug (judged ones only). */
  private readonly keeps = new Map<string, boolean>();
  runs = 0;
  unjudged = 0;
  stoppedBy: string | undefined;
  readonly kernelFindings: MetKernelFinding[] = [];
  fatal: unknown;

  constructor(
    private readonly o: { bug: Divergence; oracle: Oracle; jobs: number; infraAttempts?: number; deadline: number; budgetMs: number; signal?: AbortSignal; keep?: (s: Scenario) => boolean },
    start: Scenario,
  ) {
    this.keeps.set(key(start), true);
  }

  stopped(): boolean {
    if (!this.stoppedBy && this.o.signal?.aborted) this.stoppedBy = 'interrupted';
    if (!this.stoppedBy && Date.now() > this.o.deadline) this.stoppedBy = `time budget of ${Math.round(this.o.budgetMs / 1000)} s spent`;
    return this.stoppedBy !== undefined;
  }

  /** The first candidate, in order, that keeps the bug, and its index in cands; undefined when none does (or stopped). */
  async firstKeeping(cands: Candidate[]): Promise<{ c: Candidate; j: Judged & { verdict: Divergence }; index: number } | undefined> {
    const todo = this.fresh(cands);
    const width = Math.max(1, this.o.jobs);
    for (let at = 0; at < todo.length && !this.stopped(); at += width) {
      const batch = todo.slice(at, at + width);
      const results = await Promise.all(batch.map((c) => this.judge(c)));
      const i = results.findIndex((r) => r);
      if (i >= 0) return { c: batch[i]!, j: results[i] as Judged & { verdict: Divergence }, index: cands.indexOf(batch[i]!) };
    }
    return undefined;
  }

  /** Valid, wanted, and not judged before. */
  private fresh(cands: Candidate[]): Candidate[] {
    const seen = new Set<string>();
    return cands.filter((c) => {
      const k = key(c.scenario);
      if (seen.has(k) || this.keeps.has(k)) return false;
      seen.add(k);
      return valid(c.scenario) && (!this.o.keep || this.o.keep(c.scenario));
    });
  }

  /** The run if it keeps the bug; false if it does not; undefined if it could not be judged. */
  private async judge(c: Candidate): Promise<Judged | false | undefined> {
    try {
      const j = await withInfraRetries(this.o.infraAttempts ?? 3, () => (this.runs++, this.o.oracle(c.scenario)));
      const same = sameBug(this.o.bug, j.verdict);
      this.keeps.set(key(c.scenario), same);
      return same ? j : false;
    } catch (e) {
      if (e instanceof KernelFinding) {
        this.kernelFindings.push({ scenario: c.scenario, error: e });
        this.stoppedBy ??= `kernel finding: ${e.message}`;
      } else if (e instanceof InfraError) {
        this.unjudged++;
      } else if (e instanceof ModelError) {
        this.stoppedBy ??= `model error: ${e.message}`;
      } else {
        this.fatal ??= e;
        this.stoppedBy ??= `error: ${(e as Error).message}`;
      }
      return undefined;
    }
  }
}
