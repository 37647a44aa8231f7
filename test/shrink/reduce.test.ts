// The reduction pass against a fake predicate shaped like the hprio bug (not a mock kernel: it
// tests the pass): two destinations of equal weight, one with an upper threshold, and a second
// connection. The pass must reach the 1-minimal case and judge candidates `jobs` at a time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Divergence } from '../../src/compare/verdict.js';
import { InfraError, KernelFinding, ModelError } from '../../src/errors.js';
import { eventText, type Event, type Scenario } from '../../src/scenario.js';
import { reduceDivergence, REDUCE_STEPS } from '../../src/shrink/reduce.js';
import { rankWeights, simplifyEqualValues } from '../../src/shrink/simplify.js';
import type { Judged, Oracle } from '../../src/judge/oracle.js';
import { validateScenario } from '../../src/casefile/validate-scenario.js';

const KNOWN = path.resolve(import.meta.dirname, '../../golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml');
const start = async (): Promise<Scenario> => YAML.parse(await readFile(KNOWN, 'utf8')).scenario;

/** The fake bug: the second connection after two live equal-weight dests, one with a threshold. */
function bugAt(s: Scenario): number | undefined {
  const dests = new Map<string, Event & { op: 'dest-add' }>();
  let conns = 0;
  for (const [i, e] of s.events.entries()) {
    if (e.op === 'dest-add' || e.op === 'dest-edit') dests.set(e.dest, { ...e, op: 'dest-add' });
    if (e.op === 'dest-del') dests.delete(e.dest);
    if (e.op !== 'connect') continue;
    const live = [...dests.values()].filter((d) => d.weight > 0);
    const equal = live.length >= 2 && live.every((d) => d.weight === live[0]!.weight);
    if (equal && live.some((d) => d.upper > 0) && ++conns >= 2) return i;
  }
  return undefined;
}
const verdictOf = (s: Scenario): Judged['verdict'] => {
  const i = bugAt(s);
  return i === undefined ? { kind: 'agree' } : { kind: 'diverge', stepIndex: i, event: eventText(s.events[i]!), what: 'dest', expected: 'a', got: 'b', diff: '' };
};
const fake: Oracle = async (s) => ({ verdict: verdictOf(s) });

async function reduce(oracle: Oracle, jobs = 2) {
  const s = await start();
  return reduceDivergence({ start: s, judged: { verdict: verdictOf(s) as Divergence }, oracle, jobs });
}

describe('reduceDivergence', () => {
  it('reaches the 1-minimal case: canonical names, weights 1, threshold 1, two connections', async () => {
    const r = await reduce(fake);
    expect(r.oneMinimal).toBe(true);
    expect(r.minimal.events.map(eventText)).toEqual([
      'svc-add[10.0.0.1:80 hprio]',
      'dest-add[10.2.0.1:80 w=1 x=0 y=0]',
      'dest-add[10.2.0.2:80 w=1 x=1 y=0]',
      'conn[c1 10.1.0.1:40000]',
      'conn[c2 10.1.0.1:40001]',
    ]);
    expect(r.runs).toBeGreaterThan(0);
    expect(r.unjudged).toBe(0);
  });

  it('leaves nothing removable or simpler: every candidate of every step is invalid or loses the bug', async () => {
    const r = await reduce(fake);
    let valid = 0;
    for (const step of REDUCE_STEPS) {
      for (const c of step(r.minimal, r.judged.verdict)) {
        try {
          validateScenario(undefined, 's', c.scenario);
        } catch {
          continue; // an invalid candidate is no smaller case
        }
        if (JSON.stringify(c.scenario) === JSON.stringify(r.minimal)) continue;
        valid++;
        expect(bugAt(c.scenario), c.label).toBeUndefined();
      }
    }
    // Candidates there were, valid ones among them: else the loop above checked nothing.
    expect(valid).toBeGreaterThan(0);
  });

  it('judges candidates `jobs` at a time on the pool', async () => {
    let running = 0;
    let most = 0;
    const slow: Oracle = async (s) => {
      most = Math.max(most, ++running);
      await sleep(2);
      running--;
      return fake(s);
    };
    const r = await reduce(slow, 3);
    expect(most).toBe(3);
    expect(r.oneMinimal).toBe(true);
  });

  it('never reads an infrastructure failure as "the bug is gone", and says the case is not proven 1-minimal', async () => {
    let n = 0;
    // Every candidate's runs fail for the first 40 calls: they are retried, then left unjudged.
    const flaky: Oracle = async (s) => {
      if (++n <= 40) throw new InfraError('IPVS_CONFORM_TIMEOUT', 'guest hung');
      return fake(s);
    };
    const r = await reduce(flaky);
    expect(r.unjudged).toBeGreaterThan(0);
    expect(bugAt(r.minimal)).toBeDefined();
    // Later rounds judge again what the infrastructure lost: the fixpoint is still reached.
    expect(r.minimal.events).toHaveLength(5);

    const broken: Oracle = async () => {
      throw new InfraError('IPVS_CONFORM_TIMEOUT', 'guest hung');
    };
    const b = await reduce(broken);
    expect(b.adopted).toBe(0);
    expect(b.oneMinimal).toBe(false);
    expect(b.minimal).toEqual(await start());
  });

  it('keeps a kernel finding met while reducing, and stops', async () => {
    let n = 0;
    const oops: Oracle = async (s) => {
      if (++n === 5) throw new KernelFinding('BUG: oops in ip_vs_conn_new', 'console log');
      return fake(s);
    };
    const r = await reduce(oops, 1);
    expect(r.kernelFindings.map((f) => f.error.message)).toEqual(['BUG: oops in ip_vs_conn_new']);
    expect(r.kernelFindings[0]!.scenario.events.length).toBeGreaterThan(0);
    expect(r.oneMinimal).toBe(false);
    expect(r.stoppedBy).toMatch(/kernel finding/);
  });

  it('a model crash on a candidate stops the pass as a model error, never as a candidate the infrastructure left unjudged', async () => {
    // Why: ModelError extended InfraError, so a model crash counted as infrastructure (issue 14).
    let n = 0;
    const crash: Oracle = async (s) => {
      if (++n === 3) throw new ModelError('the model failed on this scenario: boom');
      return fake(s);
    };
    const r = await reduce(crash, 1);
    expect(r.unjudged).toBe(0);
    expect(r.oneMinimal).toBe(false);
    expect(r.stoppedBy).toMatch(/^model error: the model failed on this scenario: boom/);
  });

  it('simplifies fields from the table: forwarding and one-packet scheduling go back to the defaults when the bug stays', async () => {
    const s = await start();
    const events = s.events.map((e) => (e.op === 'svc-add' ? { ...e, ops: true as const } : e.op === 'dest-add' ? { ...e, fwd: 'route' as const } : e));
    const withFields: Scenario = { ...s, events };
    expect(() => validateScenario(undefined, 's', withFields)).not.toThrow();
    const r = await reduceDivergence({ start: withFields, judged: { verdict: verdictOf(withFields) as Divergence }, oracle: fake, jobs: 2 });
    expect(r.oneMinimal).toBe(true);
    expect(r.minimal.events.some((e) => 'ops' in e || 'fwd' in e)).toBe(false);
  });

  it('simplifies a value several events share in all of them at once, and renumbers weights by rank', () => {
    const s: Scenario = { version: 1, events: [
      { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'hprio' },
      { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 5, upper: 1, lower: 0 },
      { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.2:80', weight: 1, upper: 0, lower: 0 },
      { op: 'dest-edit', svc: '10.0.0.1:80', dest: '10.2.0.2:80', weight: 5, upper: 0, lower: 0 },
    ] };
    const weights = (c: Scenario) => c.events.flatMap((e) => ('weight' in e ? [e.weight] : []));
    // Either 5 alone would break the tie the bug needs; both at once keep it.
    expect(simplifyEqualValues(s, { stepIndex: 3 }).map((c) => weights(c.scenario))).toContainEqual([1, 1, 1]);
    expect(rankWeights(s, { stepIndex: 3 }).map((c) => weights(c.scenario))).toEqual([[2, 1, 2]]);
  });

  it('brings a long value to the edge the bug needs in a few rounds, not one unit at a time', async () => {
    // The fake bug needs a wait of at least EDGE ms before the second connection (a timer's edge).
    const EDGE = 1_234_567;
    const s: Scenario = { version: 1, events: [
      { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
      { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
      { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40000 },
      { op: 'wait', ms: 3_600_000 },
      { op: 'connect', conn: 'c2', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40001 },
    ] };
    const verdict = (c: Scenario): Judged['verdict'] => {
      const w = c.events.findIndex((e) => e.op === 'wait' && e.ms >= EDGE);
      const i = c.events.findIndex((e, k) => k > w && e.op === 'connect');
      return w >= 0 && i >= 0 ? { kind: 'diverge', stepIndex: i, event: eventText(c.events[i]!), what: 'dest', expected: 'a', got: 'b', diff: '' } : { kind: 'agree' };
    };
    const r = await reduceDivergence({ start: s, judged: { verdict: verdict(s) as Divergence }, oracle: async (c) => ({ verdict: verdict(c) }), jobs: 2 });
    expect(r.oneMinimal).toBe(true);
    expect(r.minimal.events).toContainEqual({ op: 'wait', ms: EDGE });
    // log2(3,600,000) is 22: a few dozen candidates per halving, never millions of rounds.
    expect(r.runs, `${r.runs} runs`).toBeLessThan(1500);
  });

  it('replaces a deletion by a no-op edit of another destination, so a destination that lived only to be deleted goes', async () => {
    // The fake bug: two live equal-weight destinations, one with a threshold, and a connection
    // after a change that runs the scheduler's hooks, itself after a first connection.
    const hooked = (e: Event) => e.op === 'dest-edit' || e.op === 'dest-del';
    const verdict = (c: Scenario): Judged['verdict'] => {
      const live = new Map<string, Event & { op: 'dest-add' | 'dest-edit' }>();
      let connected = false;
      let hook = false;
      for (const [i, e] of c.events.entries()) {
        if (e.op === 'dest-add' || e.op === 'dest-edit') live.set(e.dest, e);
        if (e.op === 'dest-del') live.delete(e.dest);
        if (connected && hooked(e)) hook = true;
        if (e.op !== 'connect') continue;
        const top = Math.max(...[...live.values()].map((d) => d.weight));
        const tied = [...live.values()].filter((d) => d.weight === top && top > 0);
        if (hook && tied.length >= 2 && tied.some((d) => d.upper > 0)) return { kind: 'diverge', stepIndex: i, event: eventText(e), what: 'dest', expected: 'a', got: 'b', diff: '' };
        connected = true;
      }
      return { kind: 'agree' };
    };
    const svc = '10.0.0.1:80';
    const s: Scenario = { version: 1, events: [
      { op: 'svc-add', svc, scheduler: 'hprio' },
      { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 2, upper: 0, lower: 0 },
      { op: 'dest-add', svc, dest: '10.2.0.2:80', weight: 2, upper: 1, lower: 0 },
      { op: 'dest-add', svc, dest: '10.2.0.3:80', weight: 1, upper: 0, lower: 0 },
      { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
      { op: 'dest-del', svc, dest: '10.2.0.3:80' },
      { op: 'connect', conn: 'c2', svc, client: '10.1.0.1', cport: 40001 },
    ] };
    expect(verdict(s).kind).toBe('diverge');
    const r = await reduceDivergence({ start: s, judged: { verdict: verdict(s) as Divergence }, oracle: async (c) => ({ verdict: verdict(c) }), jobs: 2 });
    expect(r.oneMinimal).toBe(true);
    expect(r.minimal.events.filter((e) => e.op === 'dest-add')).toHaveLength(2);
    expect(r.minimal.events.some((e) => e.op === 'dest-edit')).toBe(true);
  });
});
