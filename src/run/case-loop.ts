// The case loop: hands out case indexes (the run's, its shard's, or one case), draws case k, judges
// it once, and sends each outcome down its one path: agree and unknown are recorded, a divergence
// goes to the finding pipeline, an error is a kernel finding, a model error or infrastructure.
// Every case that ends gets exactly one record (CaseBook.record); only an interruption ends one
// without (the backend was closed under it: not an outcome).
import { caseSeed, generateCase, inShard } from '../generate/case-seed.js';
import type { Divergence } from '../compare/verdict.js';
import { verdictLine } from '../compare/compare.js';
import type { Judged } from '../judge/oracle.js';
import type { RunContext } from './context.js';
import { errorOutcome, onDivergence, type DrawnCase } from './findings.js';
import type { CaseResult } from './records.js';

/** Case indexes to run, one at a time to whichever worker asks; undefined once there are none. */
export class CaseFeed {
  private next: number;

  constructor(private readonly ctx: RunContext) {
    this.next = ctx.o.first ?? 0;
  }

  take(): number | undefined {
    const { o, book } = this.ctx;
    for (;;) {
      if (book.stoppedBy) return undefined;
      if (o.signal.aborted) {
        book.stop('interrupted');
        return undefined;
      }
      if (o.onlyCase !== undefined) return this.next++ === 0 ? o.onlyCase : undefined;
      if (o.cases !== undefined && this.next >= o.cases) return undefined;
      if (o.deadline !== undefined && Date.now() >= o.deadline) return undefined;
      const k = this.next++;
      if (inShard(k, o.shard)) return k;
    }
  }
}

/** Draws case k (the guide's, or the seeded generator's), with what its shrinking starts from. */
function draw(ctx: RunContext, k: number): DrawnCase {
  const guided = ctx.o.guide?.draw(k);
  if (guided) ctx.store.guided.set(k, guided.label);
  return guided ?? { scenario: generateCase(ctx.arb, ctx.o.seed, k), arb: ctx.arb, seed: caseSeed(ctx.o.seed, k) };
}

export async function runCase(ctx: RunContext, k: number): Promise<void> {
  const drawn = draw(ctx, k);
  const t0 = Date.now();
  let first: Judged | undefined;
  let result: CaseResult | undefined;
  try {
    first = await ctx.judge(k, drawn.scenario);
    result = await judged(ctx, k, drawn, first);
  } catch (e) {
    if (ctx.o.signal.aborted) return; // the backend was closed under it: not an outcome
    result = await errorOutcome(ctx, drawn.scenario, e);
  }
  if (result) ctx.book.record(k, drawn.scenario, t0, result, first);
}

/** A case whose first run was judged: agree, unknown, or a divergence for the pipeline. */
async function judged(ctx: RunContext, k: number, drawn: DrawnCase, first: Judged): Promise<CaseResult | undefined> {
  const v = first.verdict;
  if (v.kind === 'agree') return { outcome: 'agree' };
  if (v.kind === 'unknown') return { outcome: 'unknown', detail: verdictLine(v) };
  if (ctx.o.signal.aborted) return undefined;
  if (ctx.o.judgeOnly) return { outcome: 'diverge', detail: `(not confirmed) ${verdictLine(v)}` };
  return onDivergence(ctx, k, drawn, first as Judged & { verdict: Divergence });
}
