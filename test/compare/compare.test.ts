import { describe, expect, it } from 'vitest';
import { compareObservations } from '../../src/compare/compare.js';
import { InfraError } from '../../src/errors.js';
import type { Listings, Observation, ServiceRow, StepResult } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';

const svc = '10.0.0.1:80';
const scenario: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc, scheduler: 'rr' },
    { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'dest-add', svc, dest: '10.2.0.2:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
  ],
};

const table = (a1: number, a2: number): ServiceRow[] => [
  {
    svc,
    scheduler: 'rr',
    flags: [],
    dests: [
      { dest: '10.2.0.2:80', fwd: 'Masq', weight: 1, upper: 0, lower: 0, active: a2, inactive: 0, persistent: 0 },
      { dest: '10.2.0.1:80', fwd: 'Masq', weight: 1, upper: 0, lower: 0, active: a1, inactive: 0, persistent: 0 },
    ],
  },
];

const listings = (conns = 'IPVS connection entries\npro expire state       source             virtual            destination\nTCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.2:80\n'): Listings => ({
  list: 'IP Virtual Server version 1.2.1 (size=4096)\n',
  thresholds: 'thresholds\n',
  persistent: 'persistent\n',
  conns,
});

function obs(backend: string, last: Partial<StepResult> = {}, l = listings()): Observation {
  const steps: StepResult[] = [
    { index: 0, table: [{ ...table(0, 0)[0]!, dests: [] }] },
    { index: 1, table: [{ ...table(0, 0)[0]!, dests: [table(0, 0)[0]!.dests[1]!] }] },
    { index: 2, table: table(0, 0) },
    { index: 3, dest: '10.2.0.2:80', table: table(0, 1), ...last },
  ];
  return { backend, kernel: { name: '6.1' }, steps, listings: l };
}

describe('compareObservations', () => {
  it('agrees when everything matches, whatever the order of destinations and connection rows', () => {
    const k = obs('qemu', { table: [...table(0, 1)].map((s) => ({ ...s, dests: [...s.dests].reverse() })) });
    expect(compareObservations(scenario, k, obs('model')).kind).toBe('agree');
  });

  it('reports the destination the kernel chose against the model’s', () => {
    const v = compareObservations(scenario, obs('qemu', { dest: '10.2.0.1:80', table: table(1, 0) }), obs('model'));
    expect(v).toMatchObject({ kind: 'diverge', stepIndex: 3, what: 'dest', expected: '10.2.0.2:80', got: '10.2.0.1:80', event: 'conn[c1 10.1.0.1:40000]', diff: expect.stringContaining('~   -> 10.2.0.1:80 Masq w=1 x=0 y=0 active=0') });
  });

  it('accepts any destination of the model’s allowed set, and only those', () => {
    const m = obs('model', { allowed: ['10.2.0.1:80', '10.2.0.2:80'] });
    expect(compareObservations(scenario, obs('qemu'), m).kind).toBe('agree');
    const m2 = obs('model', { allowed: ['10.2.0.1:80', null] });
    expect(compareObservations(scenario, obs('qemu'), m2)).toMatchObject({ what: 'dest', expected: 'one of 10.2.0.1:80, none', got: '10.2.0.2:80' });
  });

  it('compares errors by errno', () => {
    const err = { errno: 34, name: 'ERANGE', message: 'Numerical result out of range' };
    const k = obs('qemu');
    k.steps[1] = { ...k.steps[1]!, error: err };
    expect(compareObservations(scenario, k, obs('model'))).toMatchObject({ what: 'error', stepIndex: 1, expected: 'ok', got: 'ERANGE (errno 34)' });
    const m = obs('model');
    m.steps[1] = { ...m.steps[1]!, error: { ...err, message: 'other words' } };
    expect(compareObservations(scenario, k, m).kind).toBe('agree');
  });

  it('compares the table after each event', () => {
    const v = compareObservations(scenario, obs('qemu', { table: table(0, 2) }), obs('model'));
    expect(v).toMatchObject({ kind: 'diverge', what: 'table', stepIndex: 3, diff: expect.stringMatching(/~ {3}-> 10\.2\.0\.2:80 Masq w=1 x=0 y=0 active=1 .*\| {3}-> 10\.2\.0\.2:80 .* active=2/) });
  });

  it('compares the listings byte for byte and the connections as a set', () => {
    const k = obs('qemu', {}, { ...listings(), thresholds: 'thresholds \n' });
    expect(compareObservations(scenario, k, obs('model'))).toMatchObject({ what: 'thresholds', stepIndex: 4, event: 'listings' });
    const two = (a: string, b: string) => `IPVS connection entries\npro expire state source virtual destination\n${a}\n${b}\n`;
    const r1 = 'TCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.2:80';
    const r2 = 'TCP 01:59  FIN_WAIT    10.1.0.2:40001     10.0.0.1:80        10.2.0.1:80';
    const r2other = 'TCP 00:03  FIN_WAIT    10.1.0.2:40001     10.0.0.1:80        10.2.0.1:80';
    expect(compareObservations(scenario, obs('qemu', {}, listings(two(r1, r2))), obs('model', {}, listings(two(r2other, r1)))).kind).toBe('agree');
    expect(compareObservations(scenario, obs('qemu', {}, listings(two(r1, r2))), obs('model', {}, listings(two(r1, r1))))).toMatchObject({ what: 'conns' });
  });

  it('is unknown, not a divergence, once the model is indeterminate', () => {
    const m = obs('model');
    m.steps[2] = { ...m.steps[2]!, indeterminate: 'lblc expiry within the clock window' };
    const v = compareObservations(scenario, obs('qemu', { dest: '10.2.0.1:80', table: table(1, 0) }), m);
    expect(v).toMatchObject({ kind: 'unknown', stepIndex: 2, difference: { what: 'dest', stepIndex: 3 } });
  });

  it('refuses a kernel observation with missing steps as an infrastructure failure', () => {
    const k = obs('qemu');
    k.steps.pop();
    expect(() => compareObservations(scenario, k, obs('model'))).toThrow(InfraError);
  });
});
