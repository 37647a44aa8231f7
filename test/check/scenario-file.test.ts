// Scenarios written by hand: what may be left out is filled in, `repeat` writes an event N times,
// saved cases and golden files read too, and every mistake names file, field, expected, got, fix.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenarioFile } from '../../src/check/scenario-file.js';
import { InputError } from '../../src/errors.js';
import { eventText } from '../../src/scenario.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('hand-written scenario files', () => {
  it('fills in services, thresholds, connection names, clients and ports; repeat writes copies', () => {
    const f = parseScenarioFile('s.yaml', `
events:
  - { op: svc-add, svc: 10.0.0.1:80, scheduler: wrr }
  - { op: dest-add, dest: 10.2.0.1:80, weight: 2 }
  - { op: connect, repeat: 3 }
  - { op: fin, conn: c2 }
`);
    expect(f.kernel).toBeUndefined();
    expect(f.scenario.events.map(eventText)).toEqual([
      'svc-add[10.0.0.1:80 wrr]',
      'dest-add[10.2.0.1:80 w=2 x=0 y=0]',
      'conn[c1 10.1.0.1:40000]',
      'conn[c2 10.1.0.2:40001]',
      'conn[c3 10.1.0.3:40002]',
      'fin[c2]',
    ]);
    expect(f.scenario.events[2]).toMatchObject({ svc: '10.0.0.1:80' });
    expect(f.origin.slice(2, 4)).toEqual(['events[2] (copy 1 of 3)', 'events[2] (copy 2 of 3)']);
  });

  it('gives connections to an IPv6 service IPv6 clients', () => {
    const f = parseScenarioFile('s.yaml', 'events:\n  - { op: svc-add, svc: "[2001:db8::1]:80", scheduler: rr }\n  - { op: dest-add, dest: "[2001:db8:2::1]:80", weight: 1 }\n  - { op: connect, repeat: 11 }\n');
    expect(f.scenario.events.filter((e) => e.op === 'connect').map((e) => (e.op === 'connect' ? e.client : ''))).toContain('2001:db8:1::b');
  });

  it('the 2005 setup in six lines is the golden seed-spillover scenario, client addresses aside', async () => {
    const mine = await loadScenarioFile(path.join(ROOT, 'vm/examples/scenarios/hprio-2005.yaml'));
    const golden = await loadScenarioFile(path.join(ROOT, 'golden/6.1/hprio/seed-spillover.yaml'));
    expect(mine.kernel).toBe('6.1');
    expect(golden.kernel).toBe('6.1');
    const shape = (s: typeof mine) => s.scenario.events.map((e) => (e.op === 'connect' ? `${e.conn} ${e.cport}` : eventText(e)));
    expect(shape(mine)).toEqual(shape(golden));
  });

  it.each([
    ['events:\n  - { op: svc-add, svc: 10.0.0.1:80 }\n', 'events[0].scheduler', 'expected a scheduler name like rr, got nothing (the field is missing). Fix: add `scheduler:`'],
    ['events:\n  - { op: svc-add, svc: 10.0.0.1:80, scheduler: rr }\n  - { op: dest-add, dest: 10.2.0.1:80, weight: heavy }\n', 'events[1].weight', 'got "heavy". Fix: set `weight` of events[1] to an integer weight'],
    ['events:\n  - { op: svc-add, svc: 10.0.0.1:80, scheduler: rr }\n  - { op: connect, repeat: 2, conn: a }\n', 'events[1] (copy 2 of 2).conn', 'a connection name not used earlier'],
    ['events:\n  - { op: svc-add, svc: 10.0.0.1:80, scheduler: rr }\n  - { op: connect, repeat: 0 }\n', 'events[1].repeat', 'expected a count 1..10000, got 0'],
    ['kernel: 6.1\nevents: []\n', 'kernel', 'Fix: write kernel: "6.1" (quoted'],
    ['kernal: "6.1"\nevents: []\n', 'kernal', 'Fix: remove `kernal:` or correct its spelling'],
    ['events:\n  - { op: dest-add, svc: 10.0.0.1:80, dest: 10.2.0.1:80, weight: 1 }\n', 'events', 'Fix: begin with `- op: svc-add`'],
    ['- op: svc-add\n', '(document)', 'Fix: start the file with `events:`'],
  ])('%j is refused naming the field, what was expected, what arrived and the fix', (text, field, message) => {
    let err: unknown;
    try {
      parseScenarioFile('mine.yaml', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`mine.yaml: ${field}: expected `)).toBe(true);
    expect(e.message).toContain(message);
    expect(e.fix).toBeTruthy();
  });

  it('reads a saved case file as its scenario and kernel', async () => {
    const text = await readFile(path.join(ROOT, 'golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml'), 'utf8');
    const f = parseScenarioFile('case.yaml', text);
    expect(f.kernel).toBe('6.1');
    expect(f.scenario.events).toHaveLength(13);
  });
});
