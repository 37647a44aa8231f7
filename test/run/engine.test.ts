// The run loop with a five-line fake oracle standing in for kernel + model (it tests the loop:
// sharding, confirmation, shrinking, saving, infrastructure accounting, interruption).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { loadCase } from '../../src/casefile/casefile.js';
import { InfraError, KernelFinding, NotRunError } from '../../src/errors.js';
import { generateCase } from '../../src/generate/case-seed.js';
import { scenarioArb } from '../../src/generate/scenario-arb.js';
import { runKernelCases } from '../../src/run/engine.js';
import type { Scenario } from '../../src/scenario.js';
import type { Oracle } from '../../src/judge/oracle.js';
import { buggy, dv, fake, runOptions } from './fake-run.js';

describe('runKernelCases', () => {
  it('shards together give the unsharded run, case for case', async () => {
    const seen = new Map<number, string>();
    const recordAll: Oracle = async () => ({ verdict: { kind: 'agree' } });
    const all = await runKernelCases(await runOptions({ oracle: recordAll }));
    for (const r of all.records) seen.set(r.index, `${r.seed}/${r.scheduler}/${r.events}`);
    const shards = [];
    for (let i = 0; i < 3; i++) shards.push(...(await runKernelCases(await runOptions({ oracle: recordAll, shard: { index: i, count: 3 } }))).records);
    expect(shards.map((r) => r.index).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    for (const r of shards) {
      expect(shards.filter((x) => x.index === r.index)).toHaveLength(1);
      expect(`${r.seed}/${r.scheduler}/${r.events}`).toBe(seen.get(r.index));
    }
  });

  it('--case K runs exactly case K of the run, sharded or not', async () => {
    const all = await runKernelCases(await runOptions({}));
    const seven = all.records.find((r) => r.index === 7)!;
    const seen: Scenario[] = [];
    const one = await runKernelCases(await runOptions({ onlyCase: 7, oracle: async (sc) => (seen.push(sc), { verdict: { kind: 'agree' } }) }));
    expect(one.records.map((r) => [r.index, r.seed, r.scheduler, r.events])).toEqual([[7, seven.seed, seven.scheduler, seven.events]]);
    expect(seen).toEqual([generateCase(scenarioArb({ schedulers: ['rr', 'wlc'] }), 99, 7)]);
    const sharded = await runKernelCases(await runOptions({ onlyCase: 7, shard: { index: 1, count: 3 } }));
    expect(sharded.records.map((r) => r.seed)).toEqual([seven.seed]);
  });

  it('confirms, shrinks and saves a divergence, once per signature', async () => {
    const o = await runOptions({ oracle: fake, cases: 40 });
    const res = await runKernelCases(o);
    const diverged = res.records.filter((r) => r.outcome === 'diverge');
    expect(diverged.length).toBeGreaterThan(1);
    const shrunk = res.findings.filter((f) => !f.duplicateOf);
    expect(shrunk).toHaveLength(new Set(diverged.map((r) => r.scheduler)).size);
    const c = await loadCase(shrunk[0]!.file);
    expect(c.finding).toBe('divergence');
    expect(buggy(c.scenario)).toBe(true);
    expect(c.shrink!.minimalEvents).toBeLessThan(c.shrink!.originalEvents);
    expect(c.scenario.events.length).toBe(c.shrink!.minimalEvents);
    // The reduction pass ran after fast-check's shrinker and reached a 1-minimal case; fast-check's
    // path is kept only when the reduction changed nothing (it leads to the shrunk case).
    expect(c.shrink!.reduce).toMatchObject({ fromEvents: expect.any(Number), toEvents: c.scenario.events.length, oneMinimal: true });
    if (c.shrink!.reduce!.adopted > 0) expect(c.generator!.path).toBeUndefined();
    else expect(c.generator!.path).toMatch(/^\d/);
    expect(c.replay).toMatch(/^npx ipvs-conform replay .*\.yaml$/);
    expect(c.diff).toBe('the diff\n');
    expect((await readdir(o.casesDir)).length).toBe(diverged.length);
  });

  it('a kernel oops met while shrinking makes that case a kernel finding (exit 4 outranks 1)', async () => {
    let calls = 0;
    const oops: Oracle = async (s) => {
      // The first two runs (the divergence and its confirmation) are whole cases; a shrink step oopses.
      if (buggy(s) && ++calls === 3) throw new KernelFinding('Oops in a shrink step', 'console');
      return fake(s);
    };
    const r = await runKernelCases(await runOptions({ oracle: oops, cases: 40, jobs: 1 }));
    const kernel = r.records.filter((x) => x.outcome === 'kernel');
    expect(kernel).toHaveLength(1);
    expect(kernel[0]!.detail).toMatch(/^Oops in a shrink step \(the case itself: diverge/);
    expect(r.findings.filter((f) => f.kind === 'kernel').map((f) => f.caseIndex)).toEqual([kernel[0]!.index]);
  });

  it('a divergence that does not repeat is flaky, not a finding', async () => {
    const runs = new Map<string, number>();
    const once: Oracle = async (s) => {
      const k = JSON.stringify(s);
      runs.set(k, (runs.get(k) ?? 0) + 1);
      return { verdict: runs.get(k) === 1 && buggy(s) ? dv : { kind: 'agree' } };
    };
    const res = await runKernelCases(await runOptions({ oracle: once, cases: 30 }));
    expect(res.records.some((r) => r.outcome === 'flaky')).toBe(true);
    expect(res.findings).toEqual([]);
  });

  it('keeps a flaky case\'s first run in a file of its own: what differed and what the guest returned', async () => {
    const runs = new Map<string, number>();
    const guest = { backend: 'fake', kernel: { name: '6.1' }, steps: [{ index: 1, error: { errno: 110, name: 'ETIMEDOUT', message: 'neigh: INCOMPLETE' } }] };
    const once: Oracle = async (s) => {
      const k = JSON.stringify(s);
      runs.set(k, (runs.get(k) ?? 0) + 1);
      return runs.get(k) === 1 && buggy(s) ? { verdict: dv, kernel: guest } : { verdict: { kind: 'agree' } };
    };
    const o = await runOptions({ oracle: once, cases: 30 });
    const res = await runKernelCases(o);
    const flaky = res.records.filter((r) => r.outcome === 'flaky');
    expect(flaky.length).toBeGreaterThan(0);
    for (const r of flaky) {
      expect(r.file).toBe(path.join(o.casesDir, `6.1-${r.scheduler}-flaky-seed99-case${r.index}.yaml`));
      const c = await loadCase(r.file!);
      expect(c.verdict).toMatchObject({ stepIndex: 1, what: 'dest', expected: 'a', got: 'b' });
      expect(c.diff).toBe('the diff\n');
      expect(c.observed?.kernel?.steps[0]?.error?.message).toBe('neigh: INCOMPLETE');
      expect(c.note).toMatch(/^flaky, not a finding: .*re-run gave agree/);
    }
    expect(res.findings).toEqual([]);
  });

  it('records a case the backend cannot run (real waits on a Docker host) as not run: no retry, no failure', async () => {
    let calls = 0;
    const res = await runKernelCases(await runOptions({ cases: 3, oracle: async () => (calls++, Promise.reject(new NotRunError('not run: waits 1800 s'))) }));
    expect(res.records.map((r) => r.outcome)).toEqual(['not-run', 'not-run', 'not-run']);
    expect(calls).toBe(3);
    expect(res.stoppedBy).toBeUndefined();
  });

  it('counts infrastructure failures after retries and stops when they persist', async () => {
    let calls = 0;
    const down: Oracle = async () => { calls++; throw new InfraError('IPVS_CONFORM_TEST', 'guest gone'); };
    const res = await runKernelCases(await runOptions({ oracle: down, cases: 50, jobs: 1, maxInfraStreak: 4 }));
    expect(res.records.map((r) => r.outcome)).toEqual(['infra', 'infra', 'infra', 'infra']);
    expect(calls).toBe(8); // 2 attempts each
    expect(res.stoppedBy).toMatch(/4 infrastructure failures in a row/);
  });

  it('pins trouble printed after a case to that case, and runs the case that met it again', async () => {
    // The third scenario to run finds the console's WARNING left by the second one (printed after
    // it had finished); drain reports one more after the last case.
    const ran: Scenario[] = [];
    const oracle: Oracle = async (s) => {
      ran.push(s);
      if (ran.length === 3) throw new KernelFinding('after its case had finished: WARNING: late', 'console', ran[1]!);
      return { verdict: { kind: 'agree' } };
    };
    const backend = { drain: async () => [new KernelFinding('after its case had finished: WARNING: at the end', 'console', ran[ran.length - 1]!)] } as unknown as Backend;
    const o = await runOptions({ oracle, backend, cases: 4, jobs: 1 });
    const r = await runKernelCases(o);
    expect(ran).toHaveLength(5); // case 2 ran twice: once into the late finding, once for real
    expect(r.records.map((x) => [x.index, x.outcome])).toEqual([[0, 'agree'], [1, 'kernel'], [2, 'agree'], [3, 'kernel']]);
    expect(r.records[1]!.detail).toMatch(/WARNING: late \(the case itself: agree\)/);
    expect(r.findings.map((f) => [f.kind, f.caseIndex])).toEqual([['kernel', 1], ['kernel', 3]]);
    const saved = await loadCase(r.findings[0]!.file);
    expect(saved.scenario).toEqual(ran[1]);
    expect(saved.note).toMatch(/after this case had finished/);
  });

  it('stops at once when interrupted, keeping what it recorded', async () => {
    const ac = new AbortController();
    let n = 0;
    const slow: Oracle = async () => { if (++n === 5) ac.abort(); return { verdict: { kind: 'agree' } }; };
    const res = await runKernelCases(await runOptions({ oracle: slow, cases: 100, jobs: 1, signal: ac.signal }));
    expect(res.records.length).toBe(5);
    expect(res.stoppedBy).toBe('interrupted');
  });
});
