// Why: issue 14 found paths where the run loses a finding or a case (a kernel finding met while a
// divergence is confirmed, while the shrunk case is re-run, in shrink's cut step; drain() trouble
// with no case; a model crash reported as infrastructure). Each test pins one path: every case
// index has exactly one record, and every finding is saved once, with its case.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { loadCase } from '../../src/casefile/casefile.js';
import { BootError, EXIT, KernelFinding, ModelError } from '../../src/errors.js';
import { generateCase } from '../../src/generate/case-seed.js';
import { scenarioArb } from '../../src/generate/scenario-arb.js';
import { runKernelCases, type KernelRunResult } from '../../src/run/engine.js';
import type { SavedFinding } from '../../src/run/records.js';
import { runExitCode, zeroCounts, type KernelSummary } from '../../src/report/summary.js';
import type { Scenario } from '../../src/scenario.js';
import type { Oracle } from '../../src/judge/oracle.js';
import { buggy, fake, runOptions } from './fake-run.js';

const key = (s: Scenario) => JSON.stringify(s);
const cases = (n: number) => Array.from({ length: n }, (_, k) => generateCase(scenarioArb({ schedulers: ['rr', 'wlc'] }), 99, k));

/** One record per case index 0..n-1. */
function expectOneRecordEach(r: KernelRunResult, n: number): void {
  expect(r.records.map((x) => x.index).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
}

describe('every finding is recorded once, with its case', () => {
  it('trouble of an earlier case met while a divergence is confirmed: that case gets it, this one is confirmed and recorded', async () => {
    const all = cases(40);
    const firstBuggy = all.findIndex(buggy);
    const earlier = all.findIndex((s, k) => k < firstBuggy && !buggy(s));
    let confirmations = 0;
    const ran = new Map<string, Scenario>(); // the very objects the backend ran, as a backend keeps them
    const oracle: Oracle = async (s) => {
      if (!ran.has(key(s))) ran.set(key(s), s);
      // The first divergence's confirmation run finds a WARNING case `earlier` left on its guest.
      if (key(s) === key(all[firstBuggy]!) && ++confirmations === 2) throw new KernelFinding('WARNING: late', 'console', ran.get(key(all[earlier]!)));
      return fake(s);
    };
    const r = await runKernelCases(await runOptions({ oracle, cases: 40, jobs: 1 }));
    expectOneRecordEach(r, 40);
    expect(r.records.find((x) => x.index === earlier)).toMatchObject({ outcome: 'kernel', detail: expect.stringMatching(/^WARNING: late \(the case itself: agree/) });
    expect(r.records.find((x) => x.index === firstBuggy)!.outcome).toBe('diverge');
    expect(r.findings.filter((f) => f.kind === 'kernel').map((f) => f.caseIndex)).toEqual([earlier]);
  });

  it('a kernel finding while the shrunk case is re-run is saved with that case and scenario', async () => {
    const first = new Set(cases(40).map(key));
    const runs = new Map<string, number>();
    let met: Scenario | undefined;
    const oracle: Oracle = async (s) => {
      const k = key(s);
      runs.set(k, (runs.get(k) ?? 0) + 1);
      // A bug-keeping candidate judged a second time is the confirmation of the shrunk case.
      if (!met && buggy(s) && !first.has(k) && runs.get(k) === 2) {
        met = s;
        throw new KernelFinding('BUG: in the re-run', 'console');
      }
      return fake(s);
    };
    const r = await runKernelCases(await runOptions({ oracle, cases: 40, jobs: 1 }));
    expect(met).toBeDefined();
    expectOneRecordEach(r, 40);
    const kernel = r.findings.filter((f) => f.kind === 'kernel');
    expect(kernel.map((f) => f.line)).toEqual(['BUG: in the re-run']);
    expect(r.records.find((x) => x.index === kernel[0]!.caseIndex)!.outcome).toBe('kernel');
    expect((await loadCase(kernel[0]!.file)).scenario).toEqual(met);
  });

  it('trouble drain() finds with no case of this run is saved under a name that is no case index, and counted', async () => {
    const stranger: Scenario = { version: 1, events: [{ op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' }] };
    const backend = { drain: async () => [new KernelFinding('WARNING: at the end', 'console', stranger), new KernelFinding('WARNING: nobody', 'console')] } as unknown as Backend;
    const o = await runOptions({ backend, cases: 3, jobs: 1 });
    const r = await runKernelCases(o);
    expectOneRecordEach(r, 3);
    const kernel = r.findings.filter((f) => f.kind === 'kernel');
    expect(kernel.map((f) => f.line)).toEqual(['WARNING: at the end', 'WARNING: nobody']);
    for (const f of kernel) {
      expect(path.basename(f.file)).not.toMatch(/case-?\d/);
      expect(f.caseIndex).toBeUndefined();
    }
    expect((await loadCase(kernel[0]!.file)).scenario).toEqual(stranger);
    expect(new Set(kernel.map((f) => f.file)).size).toBe(2);
    expect((await readdir(o.casesDir)).sort()).toEqual(kernel.map((f) => path.basename(f.file)).sort());
  });

  it('a model crash on a shrink candidate ends the search as a model error, never as infrastructure, and is not retried', async () => {
    const first = new Set(cases(40).map(key));
    let crashes = 0;
    const oracle: Oracle = async (s) => {
      if (!first.has(key(s))) {
        crashes++;
        throw new ModelError('the model failed on this scenario: undefined is not a function');
      }
      return fake(s);
    };
    const r = await runKernelCases(await runOptions({ oracle, cases: 40, jobs: 1, infraAttempts: 3 }));
    expectOneRecordEach(r, 40);
    const shrunk = r.findings.filter((f) => f.kind === 'divergence' && !f.duplicateOf);
    expect(shrunk.length).toBeGreaterThan(0);
    const c = await loadCase(shrunk[0]!.file);
    expect(c.shrink!.stoppedBy).toMatch(/^model error: the model failed/);
    expect(crashes).toBe(shrunk.length); // one run each: a model crash is not retried
  });
});

describe('the exit code of a run', () => {
  it('kernel trouble with no case is a kernel finding (4); a run stopped by guests that did not boot exits 6', () => {
    const caseless: SavedFinding = { file: 'x.log', kernel: '6.1', scheduler: 'any', kind: 'kernel', originalEvents: 0, minimalEvents: 0, line: 'WARNING' };
    expect(runExitCode(zeroCounts(), [], [caseless])).toBe(EXIT.kernel);
    const stopped: KernelSummary = { kernel: '6.1', semantics: '6.1', backend: 'qemu', elapsedMs: 1, schedulers: {}, stopExit: EXIT.boot };
    expect(runExitCode({ ...zeroCounts(), cases: 5, infra: 5 }, [stopped], [])).toBe(EXIT.boot);
    expect(runExitCode({ ...zeroCounts(), cases: 6, infra: 5, divergences: 1 }, [stopped], [])).toBe(EXIT.divergence);
  });

  it('the infrastructure streak that stops a run keeps the exit code of its errors (BootError: 6)', async () => {
    const r = await runKernelCases(await runOptions({ oracle: async () => { throw new BootError('no ready in 30 s', 'console'); }, cases: 10, jobs: 1, maxInfraStreak: 3 }));
    expect(r.records.map((x) => x.outcome)).toEqual(['infra', 'infra', 'infra']);
    expect(r.stopExit).toBe(EXIT.boot);
  });
});
