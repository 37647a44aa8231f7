// The shrinker against a five-line fake predicate (not a mock kernel: it tests the shrinker).
import { describe, expect, it } from 'vitest';
import type { Divergence } from '../../src/compare/verdict.js';
import { InfraError, KernelFinding } from '../../src/errors.js';
import { caseSeed, generateCase } from '../../src/generate/case-seed.js';
import { scenarioArb, scenarioScheduler } from '../../src/generate/scenario-arb.js';
import type { Oracle } from '../../src/judge/oracle.js';
import { shrinkDivergence } from '../../src/shrink/shrink.js';
import { withInfraRetries } from '../../src/shrink/retry.js';
import type { Scenario } from '../../src/scenario.js';

const arb = scenarioArb({ schedulers: ['rr', 'wlc', 'sh'] });
const dv: Divergence = { kind: 'diverge', stepIndex: 0, event: 'x', what: 'dest', expected: 'a', got: 'b', diff: '' };
/** The fake bug: two FINs and a weight-0 destination. */
const buggy = (s: Scenario) => s.events.filter((e) => e.op === 'fin').length >= 2 && s.events.some((e) => e.op === 'dest-add' && e.weight === 0);
const fake: Oracle = async (s) => ({ verdict: buggy(s) ? dv : { kind: 'agree' } });

function failingCase(seed: number): { s: Scenario; index: number } {
  for (let index = 0; ; index++) {
    const s = generateCase(arb, seed, index);
    if (buggy(s) && s.events.length > 20) return { s, index };
  }
}

describe('shrinkDivergence', () => {
  it('shrinks to a small case that still fails, with a replayable path', async () => {
    const { s, index } = failingCase(7);
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv }, oracle: fake });
    expect(r.complete).toBe(true);
    expect(buggy(r.minimal)).toBe(true);
    // fast-check's stage alone stops at a local minimum (six events would do); reduce.ts goes on from there
    expect(r.minimal.events.length).toBeLessThanOrEqual(12);
    expect(r.minimal.events.length).toBeLessThan(s.events.length);
    expect(r.path).toMatch(/^\d+(:\d+)*$/);
    expect(r.adopted).toBeGreaterThan(0);
  });

  it('judges each distinct scenario once, and cuts the events after the first difference', async () => {
    const { s, index } = failingCase(7);
    const seen = new Set<string>();
    let dup = 0;
    const at: Oracle = async (c) => {
      const k = JSON.stringify(c);
      if (seen.has(k)) dup++;
      seen.add(k);
      // Causal, as a kernel is: the difference shows at the first event where the bug's
      // conditions hold for the events so far.
      const at = c.events.findIndex((_, i) => buggy({ ...c, events: c.events.slice(0, i + 1) }));
      return { verdict: at >= 0 ? { ...dv, stepIndex: at } : { kind: 'agree' } };
    };
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv }, oracle: at });
    expect(dup).toBe(0);
    expect(r.judged.verdict.stepIndex).toBe(r.minimal.events.length - 1);
    // fast-check's shrinking already ended the case at its difference: nothing was left to cut.
    expect(r.truncatedAt).toBeUndefined();
  });

  it('cuts the events after the first difference when the search stopped before they went', async () => {
    const stepOf = (c: Scenario) => c.events.findIndex((_, i) => buggy({ ...c, events: c.events.slice(0, i + 1) }));
    let index = 0;
    while (!buggy(generateCase(arb, 7, index)) || stepOf(generateCase(arb, 7, index)) === generateCase(arb, 7, index).events.length - 1) index++;
    const s = generateCase(arb, 7, index);
    const causal: Oracle = async (c) => ({ verdict: stepOf(c) >= 0 ? { ...dv, stepIndex: stepOf(c) } : { kind: 'agree' } });
    // A spent budget skips fast-check's search: the cut is tried on the case itself.
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: { ...dv, stepIndex: stepOf(s) } }, oracle: causal, budgetMs: -1 });
    expect(r.truncatedAt).toBe(s.events.length);
    expect(r.minimal.events).toEqual(s.events.slice(0, stepOf(s) + 1));
    expect(r.judged.verdict.stepIndex).toBe(r.minimal.events.length - 1);
  });

  it('drops whole services: a bug in one service leaves only that service in the minimal case', async () => {
    // Why: a divergence in one service must not carry the others (issue 11).
    const edited = (c: Scenario) => c.events.some((e, i) => e.op === 'svc-edit' && c.events.slice(i + 1).some((f) => f.op === 'connect' && f.svc === e.svc));
    const services = (c: Scenario) => new Set(c.events.flatMap((e) => (e.op === 'svc-add' ? [e.svc] : []))).size;
    let index = 0;
    let s = generateCase(arb, 5, index);
    while (!(edited(s) && services(s) >= 3)) s = generateCase(arb, 5, ++index);
    const oracle: Oracle = async (c) => ({ verdict: edited(c) ? dv : { kind: 'agree' } });
    const r = await shrinkDivergence({ arb, seed: caseSeed(5, index), original: s, originalJudged: { verdict: dv }, oracle });
    expect(edited(r.minimal)).toBe(true);
    expect(services(r.minimal)).toBe(1);
    // fast-check's integer shrinking may stop at a few connections after the edit (the reduction
    // pass, src/shrink/reduce.ts, takes them further): what matters is the one service.
    expect(r.minimal.events.length, JSON.stringify(r.minimal.events)).toBeLessThanOrEqual(6);
  });

  it('keeps candidates to the same scheduler when asked', async () => {
    const { s, index } = failingCase(11);
    const sched = scenarioScheduler(s);
    const r = await shrinkDivergence({ arb, seed: caseSeed(11, index), original: s, originalJudged: { verdict: dv }, oracle: fake, keep: (c) => scenarioScheduler(c) === sched });
    expect(scenarioScheduler(r.minimal)).toBe(sched);
  });

  it('never takes an infrastructure failure as "the bug is gone": it stops at the smallest confirmed case', async () => {
    const { s, index } = failingCase(7);
    let calls = 0;
    const flaky: Oracle = async (c) => {
      if (++calls > 3) throw new InfraError('IPVS_CONFORM_TEST', 'guest hung');
      return fake(c);
    };
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv }, oracle: flaky, infraAttempts: 2 });
    expect(r.complete).toBe(false);
    expect(r.stoppedBy).toMatch(/infrastructure failure after 2 attempts: guest hung/);
    expect(buggy(r.minimal)).toBe(true);
  });

  it('reports a kernel oops met while shrinking', async () => {
    const { s, index } = failingCase(7);
    const r = await shrinkDivergence({
      arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv },
      oracle: async () => { throw new KernelFinding('BUG: soft lockup', 'console'); },
    });
    expect(r.kernelFindings.map((f) => f.error.message)).toEqual(['BUG: soft lockup']);
    expect(r.minimal).toBe(s);
  });

  it('keeps a kernel oops met in the cut step after the first difference, with the scenario that met it', async () => {
    // Why: the cut step used to swallow a kernel finding (issue 14). A spent budget skips
    // fast-check's search, so the cut is tried on the case itself.
    const stepOf = (c: Scenario) => c.events.findIndex((_, i) => buggy({ ...c, events: c.events.slice(0, i + 1) }));
    let index = 0;
    while (!buggy(generateCase(arb, 7, index)) || stepOf(generateCase(arb, 7, index)) === generateCase(arb, 7, index).events.length - 1) index++;
    const s = generateCase(arb, 7, index);
    const cut = { ...s, events: s.events.slice(0, stepOf(s) + 1) };
    expect(cut.events.length).toBeLessThan(s.events.length);
    let met: Scenario | undefined;
    const oracle: Oracle = async (c) => {
      if (JSON.stringify(c) === JSON.stringify(cut)) {
        met = c;
        throw new KernelFinding('BUG: in the cut', 'console');
      }
      return fake(c);
    };
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: { ...dv, stepIndex: stepOf(s) } }, oracle, budgetMs: -1 });
    expect(met).toEqual(cut);
    expect(r.kernelFindings.map((f) => [f.error.message, f.scenario])).toEqual([['BUG: in the cut', cut]]);
    expect(r.minimal).toBe(s);
  });

  it('does not adopt a different kind of difference', async () => {
    const { s, index } = failingCase(7);
    const other: Oracle = async (c) => ({ verdict: buggy(c) ? { ...dv, what: 'table' } : { kind: 'agree' } });
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv }, oracle: other });
    expect(r.minimal).toBe(s);
    expect(r.adopted).toBe(0);
  });

  it('raises a bug of ours (the predicate throwing something else) instead of shrinking on it', async () => {
    const { s, index } = failingCase(7);
    await expect(shrinkDivergence({ arb, seed: caseSeed(7, index), original: s, originalJudged: { verdict: dv }, oracle: async () => { throw new TypeError('oops'); } })).rejects.toThrow('oops');
  });

  it('says so when the seed does not lead to the case', async () => {
    const { s, index } = failingCase(7);
    const r = await shrinkDivergence({ arb, seed: caseSeed(7, index + 1), original: s, originalJudged: { verdict: dv }, oracle: fake });
    expect(r.complete).toBe(false);
    expect(r.stoppedBy).toMatch(/does not reproduce the case/);
    expect(r.minimal).toBe(s);
  });
});

describe('withInfraRetries', () => {
  it('retries infrastructure errors a fixed number of times, and nothing else', async () => {
    let n = 0;
    await expect(withInfraRetries(3, async () => { n++; throw new InfraError('X', 'down'); })).rejects.toThrow('down');
    expect(n).toBe(3);
    n = 0;
    await expect(withInfraRetries(3, async () => { n++; throw new Error('bug'); })).rejects.toThrow('bug');
    expect(n).toBe(1);
    n = 0;
    await expect(withInfraRetries(3, async () => { n++; throw new InfraError('X', 'no IPVS', { permanent: true }); })).rejects.toThrow('no IPVS');
    expect(n).toBe(1); // retrying cannot help: the fix is the user's
    n = 0;
    expect(await withInfraRetries(3, async () => { if (++n < 3) throw new InfraError('X', 'blip'); return 'ok'; })).toBe('ok');
  });
});
