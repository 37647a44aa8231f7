import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { DIFF_CONFIRM_RUNS, diffKernels, firstDifference } from '../../src/golden/diff.js';
import { goldenCases } from '../../src/golden/templates.js';
import type { Observation, ServiceRow } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';

const scenario: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'lc' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40000 },
  ],
};
const table = (active: number): ServiceRow[] => [
  { svc: '10.0.0.1:80', scheduler: 'lc', flags: [], dests: [{ dest: '10.2.0.1:80', fwd: 'Masq', weight: 1, upper: 0, lower: 0, active, inactive: 0, persistent: 0 }] },
];
const obs = (over: { dest?: string | null; active?: number; list?: string; t?: number }): Observation => ({
  backend: 'qemu',
  kernel: { name: 'k' },
  steps: [
    { index: 0, table: [], t: 1 },
    { index: 1, table: table(0), t: 2 },
    { index: 2, dest: over.dest === undefined ? '10.2.0.1:80' : over.dest, table: table(over.active ?? 1), t: over.t ?? 3 },
  ],
  listings: { list: over.list ?? 'L\n', thresholds: 'T\n', persistent: 'P\n', conns: '' },
});

describe('golden --diff: the first difference between two kernels', () => {
  it('none when they decided the same (clocks are not compared)', () => {
    expect(firstDifference(scenario, obs({}), obs({ t: 99 }))).toBeUndefined();
  });
  it('the chosen server first', () => {
    expect(firstDifference(scenario, obs({}), obs({ dest: null, active: 0 }))).toEqual({
      step: 2,
      where: 'event 2 conn[c1 10.1.0.1:40000]',
      what: 'dest',
      a: '10.2.0.1:80',
      b: 'none',
    });
  });
  it('then the table after the event, as the differing row', () => {
    const d = firstDifference(scenario, obs({}), obs({ active: 2 }))!;
    expect(d).toMatchObject({ step: 2, what: 'table' });
    expect(d.a).toMatch(/active=1/);
    expect(d.b).toMatch(/active=2/);
  });
  it('then the listings', () => {
    expect(firstDifference(scenario, obs({}), obs({ list: 'X\n' }))).toEqual({ where: 'after the last event, ipvsadm -L -n', what: 'listing', a: 'L', b: 'X' });
  });
});

describe('golden --diff: a difference counts only when it repeats', () => {
  // Backends whose answers are scripted per call: what a loaded host's timed-out connect looks like.
  const backend = (answers: Observation[]): Backend => {
    let i = 0;
    return { name: 'fake', start: async () => ({ release: 'r', schedulers: ['lc'] }), run: async () => answers[Math.min(i++, answers.length - 1)]!, close: async () => {} };
  };
  const count = goldenCases(['lc']).length;
  it('a difference on every run is reported', async () => {
    const rs = await diffKernels(backend([obs({})]), backend([obs({ dest: null, active: 0 })]), ['lc'], () => {});
    expect(rs).toHaveLength(count);
    expect(rs.every((r) => r.difference?.what === 'dest' && !r.unstable)).toBe(true);
  });
  it('one that does not come back is unstable, not a kernel difference', async () => {
    const rs = await diffKernels(backend([obs({})]), backend([obs({ dest: null, active: 0 }), ...Array(DIFF_CONFIRM_RUNS + count * 3).fill(obs({}))]), ['lc'], () => {});
    expect(rs[0]).toMatchObject({ unstable: true });
    expect(rs.slice(1).every((r) => !r.difference)).toBe(true);
  });
});
