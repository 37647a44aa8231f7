// The judge without a kernel: the model's verdict on an observation, a model crash as the
// harness's bug, late kernel trouble as the case's finding, and bug signatures.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import type { Divergence } from '../../src/compare/verdict.js';
import { KernelFinding, ModelError } from '../../src/errors.js';
import { runOnKernel } from '../../src/judge/kernel-run.js';
import { judgeRun } from '../../src/judge/oracle.js';
import { bugSignature, findingScheduler, sameBug } from '../../src/judge/signature.js';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';

const scenario: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    { op: 'svc-add', svc: '10.0.0.2:80', scheduler: 'wlc' },
    { op: 'dest-add', svc: '10.0.0.2:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', client: '10.1.0.1', cport: 40000, svc: '10.0.0.2:80' },
  ],
};

describe('judgeRun', () => {
  it('agrees when the kernel did what the model does, and names the first difference otherwise', () => {
    const model = runModel(scenario, { semantics: '6.1' });
    const kernel: Observation = { ...model, backend: 'qemu' };
    expect(judgeRun(scenario, kernel, '6.1').verdict.kind).toBe('agree');
    const steps = kernel.steps.map((s, i) => (i === 3 ? { ...s, dest: undefined } : s));
    expect(judgeRun(scenario, { ...kernel, steps }, '6.1').verdict).toMatchObject({ kind: 'diverge', stepIndex: 3, what: 'dest' });
  });

  it('a model crash is a ModelError (a bug of ours, exit 7) naming what it was judging', () => {
    const bad = { version: 1, events: [{ op: 'bogus' }] } as unknown as Scenario;
    const kernel = { backend: 'qemu', kernel: { name: '6.1' }, steps: [{}] } as unknown as Observation;
    expect(() => judgeRun(bad, kernel, '6.1', 'mine.yaml')).toThrow(ModelError);
    expect(() => judgeRun(bad, kernel, '6.1', 'mine.yaml')).toThrow(/^the model failed on mine\.yaml: /);
  });
});

describe('runOnKernel', () => {
  it('with settle, trouble the kernel printed after the case replied is that case\'s kernel finding', async () => {
    const late = new KernelFinding('WARNING: after the case', 'console', scenario);
    let drained = 0;
    const backend = { run: async () => ({}) as Observation, drain: async () => (drained++ ? [] : [late]) } as unknown as Backend;
    await expect(runOnKernel(backend, scenario, { settle: true })).rejects.toBe(late);
    await expect(runOnKernel(backend, scenario, { settle: true })).resolves.toEqual({});
    expect(drained).toBe(2);
    await runOnKernel(backend, scenario);
    expect(drained).toBe(2); // without settle, a run of many meets it on the next case instead
  });
});

describe('bug signatures', () => {
  const dv: Divergence = { kind: 'diverge', stepIndex: 3, event: 'conn[c1 10.1.0.1:40000]', what: 'dest', expected: 'a', got: 'b', diff: '' };
  it('files a divergence under the scheduler of the service where it showed', () => {
    expect(findingScheduler(scenario, dv)).toBe('wlc');
    expect(bugSignature(scenario, dv)).toBe('wlc/dest/conn');
  });

  it('keys an error difference by the errors, not the scheduler', () => {
    expect(bugSignature(scenario, { ...dv, what: 'error', event: 'fin[c1]', expected: 'ok', got: 'ENOTCONN' })).toBe('error/fin/ok/ENOTCONN');
  });

  it('keeps the bug only for the same kind of difference', () => {
    expect(sameBug(dv, { ...dv, stepIndex: 9 })).toBe(true);
    expect(sameBug(dv, { ...dv, what: 'table' })).toBe(false);
    expect(sameBug(dv, { kind: 'agree' })).toBe(false);
  });
});
