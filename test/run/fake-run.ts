// A run of the engine with a five-line fake oracle standing in for kernel + model (it tests the
// loop, not the kernel): the fake bug is two FINs and a weight-0 destination.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Backend } from '../../src/backend.js';
import type { Divergence } from '../../src/compare/verdict.js';
import type { KernelRunOptions } from '../../src/run/engine.js';
import type { Scenario } from '../../src/scenario.js';
import type { Oracle } from '../../src/judge/oracle.js';

export const dv: Divergence = { kind: 'diverge', stepIndex: 1, event: 'fin[c1]', what: 'dest', expected: 'a', got: 'b', diff: 'the diff\n' };
export const buggy = (s: Scenario) => s.events.filter((e) => e.op === 'fin').length >= 2 && s.events.some((e) => e.op === 'dest-add' && e.weight === 0);
export const fake: Oracle = async (s) => ({ verdict: buggy(s) ? dv : { kind: 'agree' } });
const noBackend = {} as Backend;

export async function runOptions(over: Partial<KernelRunOptions>): Promise<KernelRunOptions> {
  return {
    kernel: '6.1', release: '6.1.0-test', semantics: '6.1', backendName: 'fake', backend: noBackend,
    schedulers: ['rr', 'wlc'], seed: 99, cases: 12, jobs: 2, infraAttempts: 2, shrinkBudgetMs: 60_000,
    casesDir: await mkdtemp(path.join(tmpdir(), 'ipvsc-run-')), signal: new AbortController().signal,
    oracle: async () => ({ verdict: { kind: 'agree' } }),
    ...over,
  };
}
