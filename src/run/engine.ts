// Runs the cases of one kernel: draws case k from (seed, k), runs it on the kernel and the model,
// and turns every divergence into a confirmed, shrunk, saved case file. Up to `jobs` cases run at
// once (the backend has that many guests). Each finding is saved the moment it is confirmed, so an
// interrupted run loses nothing it found.
import path from 'node:path';
import type fc from 'fast-check';
import { mkdir } from 'node:fs/promises';
import type { Backend } from '../backend.js';
import { CASE_FORMAT, replayCommand, saveCase, type CaseFile } from '../casefile/casefile.js';
import { verdictLine } from '../compare/compare.js';
import type { Divergence } from '../compare/verdict.js';
import { InfraError, KernelFinding, ModelError } from '../errors.js';
import { caseSeed, generateCase, inShard } from '../generate/case-seed.js';
import { scenarioKinds } from '../generate/kinds.js';
import { scenarioArb, scenarioScheduler, scenarioSchedulers } from '../generate/scenario-arb.js';
import type { Semantics } from '../model/types.js';
import type { Scenario } from '../scenario.js';
import { minimiseDivergence } from '../shrink/minimise.js';
import { makeOracle, type Judged, type Oracle } from '../judge/oracle.js';
import { bugSignature, findingScheduler, sameBug } from '../judge/signature.js';
import { withInfraRetries } from '../shrink/retry.js';

export type Outcome = 'agree' | 'diverge' | 'unknown' | 'flaky' | 'infra' | 'kernel' | 'model-error';

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
  caseIndex: number;
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
  onCase?: (r: CaseRecord) => void;
  onFinding?: (f: SavedFinding) => void;
  log?: (msg: string) => void;
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
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9.+-]+/g, '_');

export async function runKernelCases(o: KernelRunOptions): Promise<KernelRunResult> {
  const started = Date.now();
  const arb = scenarioArb({ schedulers: o.schedulers, ...(o.maxOps ? { maxOps: o.maxOps } : {}) });
  const oracle = o.oracle ?? makeOracle(o.backend, o.semantics);
  const records: CaseRecord[] = [];
  const findings: SavedFinding[] = [];
  const signatures = new Map<string, string>(); // bug signature -> file of its shrunk case
  // Which case each scenario run belongs to (shrink steps included), for late kernel findings.
  const caseIndex = new WeakMap<Scenario, number>();
  // Guided cases: the arbitrary and seed each was drawn from, for shrinking.
  const drawnFrom = new Map<number, { arb: fc.Arbitrary<Scenario>; seed: number; label: string }>();
  const lateKernel = new Map<number, { message: string; file: string }>();
  const log = o.log ?? (() => {});
  await mkdir(o.casesDir, { recursive: true });
  let next = 0;
  let infraStreak = 0;
  let stoppedBy: string | undefined;
  const maxStreak = o.maxInfraStreak ?? Math.max(5, 2 * o.jobs);

  const take = (): number | undefined => {
    for (;;) {
      if (stoppedBy) return undefined;
      if (o.signal.aborted) {
        stoppedBy = 'interrupted';
        return undefined;
      }
      if (o.onlyCase !== undefined) return next++ === 0 ? o.onlyCase : undefined;
      if (o.cases !== undefined && next >= o.cases) return undefined;
      if (o.deadline !== undefined && Date.now() >= o.deadline) return undefined;
      const k = next++;
      if (inShard(k, o.shard)) return k;
    }
  };

  const drawnKinds = new Map<number, string[]>();
  const record = (r: CaseRecord) => {
    r.kinds ??= drawnKinds.get(r.index);
    drawnKinds.delete(r.index);
    const late = lateKernel.get(r.index);
    if (late) {
      lateKernel.delete(r.index);
      markKernel(r, late.message, late.file);
    }
    records.push(r);
    infraStreak = r.outcome === 'infra' ? infraStreak + 1 : 0;
    if (infraStreak >= maxStreak && !stoppedBy) {
      stoppedBy = `${infraStreak} infrastructure failures in a row (last: ${r.detail ?? '?'})`;
      log(`[${o.kernel}] stopping: ${stoppedBy}`);
    }
    o.onCase?.(r);
  };

  const judgeWithRetries = (s: Scenario) =>
    withInfraRetries(o.infraAttempts, () => oracle(s), (e, n) => log(`[${o.kernel}] infrastructure trouble (attempt ${n}/${o.infraAttempts}), retrying: ${e.message}`));

  const baseCase = (k: number, scenario: Scenario): Omit<CaseFile, 'finding' | 'scenario'> => ({
    format: CASE_FORMAT,
    replay: '',
    savedAt: new Date().toISOString(),
    kernel: { name: o.kernel, release: o.release },
    semantics: o.semantics,
    backend: o.backendName,
    scheduler: scenarioScheduler(scenario),
    generator: {
      runSeed: o.seed,
      caseIndex: k,
      caseSeed: caseSeed(o.seed, k),
      schedulers: o.schedulers,
      ...(o.maxOps ? { maxOps: o.maxOps } : {}),
      ...(drawnFrom.get(k) ? { guided: drawnFrom.get(k)!.label } : {}),
    },
  });

  const save = async (file: string, c: CaseFile) => {
    c.replay = replayCommand(path.relative(process.cwd(), file) || file);
    await saveCase(file, c);
  };

  const divergenceCase = (k: number, scenario: Scenario, j: Judged & { verdict: Divergence }, extra: Partial<CaseFile>): CaseFile => {
    const { kind: _kind, diff, ...verdict } = j.verdict;
    return {
      ...baseCase(k, scenario),
      finding: 'divergence',
      ...(j.kernel?.build ? { build: j.kernel.build } : {}),
      ...extra,
      verdict,
      diff,
      scenario,
      observed: { ...(j.kernel ? { kernel: j.kernel } : {}), ...(j.model ? { model: j.model } : {}) },
    };
  };

  async function onDivergence(k: number, scenario: Scenario, first: Judged & { verdict: Divergence }, t0: number): Promise<void> {
    const firstScheduler = scenarioScheduler(scenario);
    let scheduler = firstScheduler;
    const paths = Object.keys(first.model?.reached ?? {});
    const reached = paths.length ? { reached: paths } : {};
    // Confirm by a re-run before reporting anything.
    let again: Judged;
    try {
      again = await judgeWithRetries(scenario);
    } catch (e) {
      if (e instanceof KernelFinding) return onKernelFinding(k, scenario, e, t0);
      record({ kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length, outcome: e instanceof ModelError ? 'model-error' : 'infra', ms: Date.now() - t0, detail: `divergence seen once, not confirmed: ${(e as Error).message}` });
      return;
    }
    if (!sameBug(first.verdict, again.verdict)) {
      record({ kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length, ...reached, outcome: 'flaky', ms: Date.now() - t0, detail: `first run: ${verdictLine(first.verdict)}; re-run: ${verdictLine(again.verdict)}` });
      return;
    }
    const v = again.verdict as Divergence;
    scheduler = findingScheduler(scenario, v);
    const sig = bugSignature(scenario, v);
    const file = path.join(o.casesDir, `${slug(o.kernel)}-${scheduler}-${v.what}-seed${o.seed}-case${k}.yaml`);
    const dupOf = signatures.get(sig);
    // Claimed before any await: two workers must not both shrink the same bug.
    if (!dupOf) signatures.set(sig, file);
    const base: SavedFinding = {
      file,
      kernel: o.kernel,
      scheduler,
      kind: 'divergence',
      what: v.what,
      caseIndex: k,
      originalEvents: scenario.events.length,
      minimalEvents: scenario.events.length,
      line: verdictLine(v),
    };
    // Saved at once, unshrunk: an interruption from here on still leaves it on disk.
    await save(file, divergenceCase(k, scenario, again as Judged & { verdict: Divergence }, { scheduler }));
    if (dupOf) {
      // Same scheduler, same kind of difference at the same kind of event: most likely the same
      // bug; keep the case but spend no guest time shrinking it again.
      const f = { ...base, duplicateOf: dupOf };
      findings.push(f);
      o.onFinding?.(f);
      record({ kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length, ...reached, outcome: 'diverge', ms: Date.now() - t0, detail: `${v.what} (like ${path.basename(dupOf)})`, file });
      return;
    }
    log(`[${o.kernel}] divergence in case ${k} (${scheduler}): ${verdictLine(v)}; shrinking`);
    const shrunk = await minimiseDivergence({
      jobs: o.jobs,
      arb: drawnFrom.get(k)?.arb ?? arb,
      seed: drawnFrom.get(k)?.seed ?? caseSeed(o.seed, k),
      original: scenario,
      originalJudged: again as Judged & { verdict: Divergence },
      oracle: (s) => (caseIndex.set(s, k), oracle(s)),
      infraAttempts: o.infraAttempts,
      budgetMs: o.shrinkBudgetMs,
      signal: o.signal,
      keep: (s) => scenarioSchedulers(s).includes(scheduler),
    });
    if (shrunk.kernelFinding) await onKernelFinding(k, shrunk.kernelFindingScenario ?? shrunk.minimal, shrunk.kernelFinding, t0, false);
    // Confirm the minimal case by one more run; if it does not repeat, keep the original.
    let minimal = shrunk.minimal;
    let judged: Judged & { verdict: Divergence } = shrunk.judged;
    let note = shrunk.stoppedBy;
    if (minimal !== scenario && o.signal.aborted) {
      // Not confirmed by a re-run: the confirmed original (saved above) stays.
      note = `interrupted while shrinking (at ${minimal.events.length} events, unconfirmed); keeping the original`;
      minimal = scenario;
      judged = again as Judged & { verdict: Divergence };
    } else if (minimal !== scenario) {
      try {
        const re = await judgeWithRetries(minimal);
        if (sameBug(v, re.verdict)) judged = re as Judged & { verdict: Divergence };
        else {
          note = `the shrunk case (${minimal.events.length} events) did not repeat on a re-run; keeping the original`;
          minimal = scenario;
          judged = again as Judged & { verdict: Divergence };
        }
      } catch (e) {
        note = `the shrunk case could not be confirmed (${(e as Error).message}); keeping the original`;
        minimal = scenario;
        judged = again as Judged & { verdict: Divergence };
      }
    }
    const shrinkInfo = {
      originalEvents: scenario.events.length,
      minimalEvents: minimal.events.length,
      tried: shrunk.tried,
      adopted: shrunk.adopted,
      elapsedMs: shrunk.elapsedMs,
      complete: shrunk.complete,
      ...(shrunk.truncatedAt !== undefined && minimal === shrunk.minimal ? { truncatedAt: shrunk.truncatedAt } : {}),
      ...(note ? { stoppedBy: note } : {}),
      ...(shrunk.reduce ? { reduce: shrunk.reduce } : {}),
    };
    const c = divergenceCase(k, minimal, judged, { scheduler, shrink: shrinkInfo });
    if (minimal === shrunk.minimal && shrunk.path) c.generator!.path = shrunk.path;
    await save(file, c);
    const red = shrunk.reduce;
    const stageInfo = red && minimal !== scenario ? { shrunkEvents: red.fromEvents, kernelRuns: shrunk.tried + red.runs, oneMinimal: red.oneMinimal } : {};
    const f: SavedFinding = { ...base, minimalEvents: minimal.events.length, ...stageInfo, shrinkComplete: shrunk.complete, shrinkMs: shrunk.elapsedMs, line: verdictLine(judged.verdict) };
    findings.push(f);
    o.onFinding?.(f);
    const stages = red ? ` (shrink ${shrunk.tried} runs) -> ${red.toEvents} events (reduce ${red.runs} runs${red.oneMinimal ? ', 1-minimal' : `, not 1-minimal: ${red.stoppedBy ?? `${red.unjudged} candidates unjudged`}`})` : ` (${shrunk.tried} runs)`;
    log(`[${o.kernel}] saved ${path.relative(process.cwd(), file)}: ${scenario.events.length} -> ${red ? red.fromEvents : minimal.events.length} events${stages} in ${(shrunk.elapsedMs / 1000).toFixed(1)} s`);
    record({ kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length, ...reached, outcome: 'diverge', ms: Date.now() - t0, detail: verdictLine(judged.verdict), file });
  }

  /**
   * Trouble a guest printed after case `e.after` had finished (the backend saw it before its next
   * case, or when the run drained): saved with that case's scenario, and that case's record
   * becomes a kernel finding. `k` names the case when `e.after` is not one of this run's cases
   * (a shrink step of case k).
   */
  async function onLateKernelFinding(k: number, e: KernelFinding & { after: Scenario }): Promise<void> {
    const j = caseIndex.get(e.after) ?? k;
    const scenario = e.after;
    const scheduler = scenarioScheduler(scenario);
    const file = path.join(o.casesDir, `${slug(o.kernel)}-${scheduler}-kernel-seed${o.seed}-case${j}.yaml`);
    const note = 'printed after this case had finished (asynchronous kernel work such as its namespace clean-up), before the next case on the same guest';
    await save(file, { ...baseCase(j, scenario), finding: 'kernel', consoleLog: e.consoleLog, note, scenario });
    const f: SavedFinding = { file, kernel: o.kernel, scheduler, kind: 'kernel', caseIndex: j, originalEvents: scenario.events.length, minimalEvents: scenario.events.length, line: e.message };
    findings.push(f);
    o.onFinding?.(f);
    log(`[${o.kernel}] KERNEL FINDING after case ${j} (${scheduler}): ${e.message}; saved ${path.relative(process.cwd(), file)}`);
    // Case j's record (now, or when it is made: it may still be shrinking) becomes a kernel finding.
    const r = records.find((x) => x.index === j);
    if (r) markKernel(r, e.message, file);
    else lateKernel.set(j, { message: e.message, file });
  }

  function markKernel(r: CaseRecord, message: string, file: string): void {
    if (r.outcome === 'kernel') return;
    r.detail = `${message} (the case itself: ${r.outcome}${r.detail ? `, ${r.detail}` : ''})`;
    r.outcome = 'kernel';
    r.file = file;
  }

  async function onKernelFinding(k: number, scenario: Scenario, e: KernelFinding, t0: number, rec = true): Promise<void> {
    if (e.after && e.after !== scenario) return onLateKernelFinding(k, e as KernelFinding & { after: Scenario });
    const scheduler = scenarioScheduler(scenario);
    const file = path.join(o.casesDir, `${slug(o.kernel)}-${scheduler}-kernel-seed${o.seed}-case${k}.yaml`);
    await save(file, { ...baseCase(k, scenario), finding: 'kernel', consoleLog: e.consoleLog, scenario });
    const f: SavedFinding = { file, kernel: o.kernel, scheduler, kind: 'kernel', caseIndex: k, originalEvents: scenario.events.length, minimalEvents: scenario.events.length, line: e.message };
    findings.push(f);
    o.onFinding?.(f);
    log(`[${o.kernel}] KERNEL FINDING in case ${k} (${scheduler}): ${e.message}; saved ${path.relative(process.cwd(), file)}`);
    if (rec) record({ kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length, outcome: 'kernel', ms: Date.now() - t0, detail: e.message, file });
    // Met while shrinking case k: its record, made later, counts the kernel finding (exit 4).
    else lateKernel.set(k, { message: e.message, file });
  }

  async function runCase(k: number, attempt = 1): Promise<void> {
    const guided = o.guide?.draw(k);
    if (guided) drawnFrom.set(k, guided);
    const scenario = guided?.scenario ?? generateCase(arb, o.seed, k);
    caseIndex.set(scenario, k);
    drawnKinds.set(k, scenarioKinds(scenario));
    const scheduler = scenarioScheduler(scenario);
    const base: Omit<CaseRecord, 'outcome' | 'ms'> = { kernel: o.kernel, index: k, seed: caseSeed(o.seed, k), scheduler, events: scenario.events.length };
    const t0 = Date.now();
    let judged: Judged;
    try {
      judged = await judgeWithRetries(scenario);
    } catch (e) {
      if (o.signal.aborted) return; // the backend was closed under it: not an outcome
      if (e instanceof KernelFinding && e.after && e.after !== scenario) {
        // An earlier case's trouble: this case never ran. Its guest was replaced; run it again.
        await onLateKernelFinding(k, e as KernelFinding & { after: Scenario });
        if (attempt < 3) return runCase(k, attempt + 1);
        return record({ ...base, outcome: 'infra', ms: Date.now() - t0, detail: `not run: ${attempt} guests in a row showed kernel trouble from earlier cases` });
      }
      if (e instanceof KernelFinding) return onKernelFinding(k, scenario, e, t0);
      if (e instanceof ModelError) return record({ ...base, outcome: 'model-error', ms: Date.now() - t0, detail: e.message });
      if (e instanceof InfraError) return record({ ...base, outcome: 'infra', ms: Date.now() - t0, detail: `${e.code}: ${e.message}` });
      throw e;
    }
    const v = judged.verdict;
    const paths = Object.keys(judged.model?.reached ?? {});
    if (paths.length) base.reached = paths;
    if (v.kind === 'agree') return record({ ...base, outcome: 'agree', ms: Date.now() - t0 });
    if (v.kind === 'unknown') return record({ ...base, outcome: 'unknown', ms: Date.now() - t0, detail: verdictLine(v) });
    if (o.signal.aborted) return;
    if (o.judgeOnly) return record({ ...base, outcome: 'diverge', ms: Date.now() - t0, detail: `(not confirmed) ${verdictLine(v)}` });
    await onDivergence(k, scenario, judged as Judged & { verdict: Divergence }, t0);
  }

  const worker = async () => {
    for (let k = take(); k !== undefined; k = take()) await runCase(k);
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  // Trouble printed after the last cases had finished.
  if (!o.signal.aborted && o.backend.drain) {
    for (const e of await o.backend.drain()) if (e.after) await onLateKernelFinding(-1, e as KernelFinding & { after: Scenario });
  }
  if (o.signal.aborted && !stoppedBy) stoppedBy = 'interrupted';
  return { records, findings, elapsedMs: Date.now() - started, ...(stoppedBy ? { stoppedBy } : {}) };
}
