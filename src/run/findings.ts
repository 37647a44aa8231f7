// The finding pipeline for a divergence seen once: confirm it by a re-run, deduplicate it by its
// bug signature, save it at once (an interruption from then on loses nothing), shrink and reduce
// it on the kernel, confirm the minimal case by one more run, and save that. Kernel trouble met at
// any step goes to the ledger with its case; a model crash or infrastructure failure ends the step
// it met and the confirmed case is kept.
import path from 'node:path';
import type fc from 'fast-check';
import type { CaseFile } from '../casefile/casefile.js';
import { verdictLine } from '../compare/compare.js';
import type { Divergence } from '../compare/verdict.js';
import { InfraError, KernelFinding, ModelError, NotRunError } from '../errors.js';
import { scenarioSchedulers } from '../generate/scenario-arb.js';
import type { Judged } from '../judge/oracle.js';
import { bugSignature, findingScheduler, sameBug } from '../judge/signature.js';
import type { Scenario } from '../scenario.js';
import { minimiseDivergence, type MinimiseResult } from '../shrink/minimise.js';
import type { RunContext } from './context.js';
import type { CaseResult, SavedFinding } from './records.js';

/** A case as drawn: its scenario, and the arbitrary and seed fast-check's shrinking starts from. */
export interface DrawnCase {
  scenario: Scenario;
  arb: fc.Arbitrary<Scenario>;
  seed: number;
}

type Confirmed = Judged & { verdict: Divergence };

/** Where a confirmed divergence is filed. */
interface Filed {
  file: string;
  scheduler: string;
  finding: SavedFinding;
}

export async function onDivergence(ctx: RunContext, k: number, drawn: DrawnCase, first: Confirmed): Promise<CaseResult> {
  const { scenario } = drawn;
  const confirmed = await confirm(ctx, k, scenario, first);
  if ('outcome' in confirmed) return confirmed;
  const v = confirmed.verdict;
  const scheduler = findingScheduler(scenario, v);
  const file = ctx.store.divergencePath(k, scheduler, v.what);
  const sig = bugSignature(scenario, v);
  const dupOf = ctx.signatures.get(sig);
  // Claimed before any await: two workers must not both shrink the same bug.
  if (!dupOf) ctx.signatures.set(sig, file);
  await ctx.store.saveDivergence(file, k, scenario, confirmed, { scheduler });
  const events = scenario.events.length;
  const finding: SavedFinding = { file, kernel: ctx.o.kernel, scheduler, kind: 'divergence', what: v.what, caseIndex: k, originalEvents: events, minimalEvents: events, line: verdictLine(v) };
  if (dupOf) {
    // Most likely the same bug: the case is kept, but no guest time is spent shrinking it again.
    ctx.book.addFinding({ ...finding, duplicateOf: dupOf });
    return { outcome: 'diverge', scheduler, detail: `${v.what} (like ${path.basename(dupOf)})`, file };
  }
  return shrinkAndSave(ctx, k, drawn, confirmed, { file, scheduler, finding });
}

/** The divergence again on a re-run (the same bug), or how the case ended instead. */
async function confirm(ctx: RunContext, k: number, scenario: Scenario, first: Confirmed): Promise<Confirmed | CaseResult> {
  let again: Judged;
  try {
    again = await ctx.judge(k, scenario);
  } catch (e) {
    return errorOutcome(ctx, scenario, e, 'divergence seen once, not confirmed: ');
  }
  if (!sameBug(first.verdict, again.verdict)) return flaky(ctx, k, scenario, first, again);
  return again as Confirmed;
}

/** Not a finding, but its first run is kept in a file of its own: what differed, and what the guest returned. */
async function flaky(ctx: RunContext, k: number, scenario: Scenario, first: Confirmed, again: Judged): Promise<CaseResult> {
  const detail = `first run: ${verdictLine(first.verdict)}; re-run: ${verdictLine(again.verdict)}`;
  const scheduler = findingScheduler(scenario, first.verdict);
  const file = ctx.store.flakyPath(k, scheduler);
  const note = `flaky, not a finding: this is the first run; the re-run gave ${verdictLine(again.verdict)}`;
  await ctx.store.saveFlaky(file, k, scenario, first, scheduler, note);
  ctx.log(`[${ctx.o.kernel}] case ${k} (${scheduler}) is flaky (${detail}); its first run: ${path.relative(process.cwd(), file)}`);
  return { outcome: 'flaky', scheduler, detail, file };
}

async function shrinkAndSave(ctx: RunContext, k: number, drawn: DrawnCase, confirmed: Confirmed, at: Filed): Promise<CaseResult> {
  const { o } = ctx;
  const original = drawn.scenario;
  ctx.log(`[${o.kernel}] divergence in case ${k} (${at.scheduler}): ${verdictLine(confirmed.verdict)}; shrinking`);
  const shrunk = await minimiseDivergence({
    jobs: o.jobs,
    arb: drawn.arb,
    seed: drawn.seed,
    original,
    originalJudged: confirmed,
    oracle: ctx.oracleFor(k),
    infraAttempts: o.infraAttempts,
    budgetMs: o.shrinkBudgetMs,
    signal: o.signal,
    keep: (s) => scenarioSchedulers(s).includes(at.scheduler),
  });
  for (const met of shrunk.kernelFindings) await ctx.ledger.add(met.error, met.scenario);
  const kept = await confirmMinimal(ctx, k, original, confirmed, shrunk);
  const fcPath = kept.minimal === shrunk.minimal ? shrunk.path : undefined;
  await ctx.store.saveDivergence(at.file, k, kept.minimal, kept.judged, { scheduler: at.scheduler, shrink: shrinkInfo(original, shrunk, kept) }, fcPath);
  const red = kept.minimal !== original ? shrunk.reduce : undefined;
  const stages = red ? { shrunkEvents: red.fromEvents, kernelRuns: shrunk.tried + red.runs, oneMinimal: red.oneMinimal } : {};
  const line = verdictLine(kept.judged.verdict);
  ctx.book.addFinding({ ...at.finding, minimalEvents: kept.minimal.events.length, ...stages, shrinkComplete: shrunk.complete, shrinkMs: shrunk.elapsedMs, line });
  ctx.log(`[${o.kernel}] saved ${path.relative(process.cwd(), at.file)}: ${shrinkLine(original, shrunk, kept.minimal)}`);
  return { outcome: 'diverge', scheduler: at.scheduler, detail: line, file: at.file };
}

interface Kept {
  minimal: Scenario;
  judged: Confirmed;
  /** Why the saved case is not the shrunk one, or why shrinking stopped. */
  note?: string;
}

/** The minimal case, confirmed by one more run; else the confirmed original, with why. */
async function confirmMinimal(ctx: RunContext, k: number, original: Scenario, confirmed: Confirmed, shrunk: MinimiseResult): Promise<Kept> {
  const n = shrunk.minimal.events.length;
  const keepOriginal = (why: string): Kept => ({ minimal: original, judged: confirmed, note: `${why}; keeping the original` });
  const stopped = shrunk.stoppedBy ? { note: shrunk.stoppedBy } : {};
  if (shrunk.minimal === original) return { minimal: original, judged: shrunk.judged, ...stopped };
  if (ctx.o.signal.aborted) return keepOriginal(`interrupted while shrinking (at ${n} events, unconfirmed)`);
  try {
    const re = await ctx.judge(k, shrunk.minimal);
    if (sameBug(confirmed.verdict, re.verdict)) return { minimal: shrunk.minimal, judged: re as Confirmed, ...stopped };
    return keepOriginal(`the shrunk case (${n} events) did not repeat on a re-run`);
  } catch (e) {
    if (e instanceof KernelFinding) {
      const f = await ctx.ledger.add(e, shrunk.minimal);
      return keepOriginal(`the shrunk case (${n} events) met kernel trouble on its re-run (saved as ${path.basename(f.file)})`);
    }
    if (!(e instanceof InfraError) && !(e instanceof ModelError)) throw e;
    return keepOriginal(`the shrunk case could not be confirmed (${e.message})`);
  }
}

function shrinkInfo(original: Scenario, shrunk: MinimiseResult, kept: Kept): NonNullable<CaseFile['shrink']> {
  return {
    originalEvents: original.events.length,
    minimalEvents: kept.minimal.events.length,
    tried: shrunk.tried,
    adopted: shrunk.adopted,
    elapsedMs: shrunk.elapsedMs,
    complete: shrunk.complete,
    ...(shrunk.truncatedAt !== undefined && kept.minimal === shrunk.minimal ? { truncatedAt: shrunk.truncatedAt } : {}),
    ...(kept.note ? { stoppedBy: kept.note } : {}),
    ...(shrunk.reduce ? { reduce: shrunk.reduce } : {}),
  };
}

/** `25 -> 6 events (shrink 29 runs) -> 6 events (reduce 35 runs, 1-minimal) in 14.9 s` */
function shrinkLine(original: Scenario, shrunk: MinimiseResult, minimal: Scenario): string {
  const red = shrunk.reduce;
  const reduced = red && `${red.toEvents} events (reduce ${red.runs} runs${red.oneMinimal ? ', 1-minimal' : `, not 1-minimal: ${red.stoppedBy ?? `${red.unjudged} candidates unjudged`}`})`;
  const stages = red ? ` (shrink ${shrunk.tried} runs) -> ${reduced}` : ` (${shrunk.tried} runs)`;
  return `${original.events.length} -> ${red ? red.fromEvents : minimal.events.length} events${stages} in ${(shrunk.elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * A run of `s` that ended in an error: the kernel's own trouble (saved by the ledger with its
 * case), a model crash, or infrastructure after its retries. Anything else is a bug of ours and
 * propagates.
 */
export async function errorOutcome(ctx: RunContext, s: Scenario, e: unknown, prefix = ''): Promise<CaseResult> {
  if (e instanceof KernelFinding) {
    const f = await ctx.ledger.add(e, s);
    return { outcome: 'kernel', detail: e.message, file: f.file };
  }
  if (e instanceof ModelError) return { outcome: 'model-error', detail: `${prefix}${e.message}` };
  // a backend that cannot run this case (waits a Docker host would wait for real): reported, not failed
  if (e instanceof NotRunError) return { outcome: 'not-run', detail: e.message };
  if (e instanceof InfraError) return { outcome: 'infra', detail: `${prefix}${e.code}: ${e.message}`, exit: e.exitCode };
  throw e;
}
