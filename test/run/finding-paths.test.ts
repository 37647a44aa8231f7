// Why: issue 14 found paths where the run loses a finding or a case (a kernel finding met while a
// divergence is confirmed, while the shrunk case is re-run, in shrink's cut step; drain() trouble
// with no case; a model crash reported as infrastructure). Each test pins one path: every case
// index has exactly one record, and every finding is saved once, with its case.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { loadCase } from '../../src/casefile/casefile.js';
import { KernelFinding, ModelError } from '../../src/errors.js';
import { generateCase } from '../../src/generate/case-seed.js';
import { scenarioArb } from '../../src/generate/scenario-arb.js';
import { runKernelCases, type KernelRunResult } from '../../src/run/engine.js';
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
