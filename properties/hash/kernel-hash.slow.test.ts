// The HASH schedulers' finer points against the real kernel (6.12, which also has twos), beyond
// what the golden templates cover: mh weights reduced by gcd and shifted (ip_vs_mh_shift_weight),
// mh/sh fallback walks with several unavailable dests, sh with a weight above the table size,
// sh-port/mh-port with many client ports, dh and lblc on a second VIP, twos with overloaded dests.
// Boots one guest under QEMU (TCG where KVM does not work: never skipped).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { createQemuBackend } from '../../src/backends/qemu/index.js';
import { compareObservations } from '../../src/compare/index.js';
import { runModel } from '../../src/model/index.js';
import type { Event, Scenario } from '../../src/scenario.js';

const KERNEL = '6.12';
const SVC = '10.0.0.1:80';

let conns = 0;
function connects(svc: string, n: number, net: number, port0: number, samePort = false): Event[] {
  return Array.from({ length: n }, (_, i) => ({
    op: 'connect' as const,
    conn: `c${++conns}`,
    svc,
    client: `10.1.${net}.${(i * 37) % 250 + 1}`,
    cport: samePort ? port0 : port0 + i * 101,
  }));
}

function dest(d: string, weight: number, upper = 0, lower = 0, svc = SVC): Event {
  return { op: 'dest-add', svc, dest: d, weight, upper, lower };
}

function edit(d: string, weight: number, upper = 0, lower = 0): Event {
  return { op: 'dest-edit', svc: SVC, dest: d, weight, upper, lower };
}

const CASES: Record<string, Scenario> = {
  'mh gcd and shift, then a fallback walk': {
    version: 1,
    events: [
      { op: 'svc-add', svc: SVC, scheduler: 'mh', flags: ['mh-fallback'] },
      dest('10.2.0.1:80', 1),
      dest('10.2.0.2:8080', 1000),
      dest('10.2.0.3:80', 3),
      dest('10.2.1.4:80', 0),
      ...connects(SVC, 8, 0, 2000),
      edit('10.2.0.2:8080', 0),
      ...connects(SVC, 8, 0, 3000),
      edit('10.2.0.1:80', 1, 1, 0),
      ...connects(SVC, 8, 1, 4000),
    ],
  },
  'mh weights with a common divisor and mh-port': {
    version: 1,
    events: [
      { op: 'svc-add', svc: SVC, scheduler: 'mh', flags: ['mh-port'] },
      dest('10.2.0.1:80', 20),
      dest('10.2.0.2:80', 40),
      dest('10.2.0.3:80', 60),
      ...connects(SVC, 12, 2, 5000, true),
      ...connects(SVC, 12, 3, 6000),
    ],
  },
  'sh weight above the table size, sh-port and sh-fallback': {
    version: 1,
    events: [
      { op: 'svc-add', svc: SVC, scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] },
      dest('10.2.0.1:80', 1),
      dest('10.2.0.2:80', 300),
      ...connects(SVC, 6, 4, 7000),
      edit('10.2.0.2:80', 2),
      ...connects(SVC, 6, 4, 8000),
      dest('10.2.0.3:80', 3, 1, 0),
      edit('10.2.0.2:80', 0),
      ...connects(SVC, 10, 5, 9000),
    ],
  },
  'dh and lblc on a second VIP': {
    version: 1,
    events: [
      { op: 'svc-add', svc: '10.0.0.3:80', scheduler: 'dh' },
      dest('10.2.0.1:80', 1, 0, 0, '10.0.0.3:80'),
      dest('10.2.0.2:80', 1, 0, 0, '10.0.0.3:80'),
      dest('10.2.0.3:80', 1, 0, 0, '10.0.0.3:80'),
      ...connects('10.0.0.3:80', 3, 6, 1000),
      { op: 'svc-add', svc: '10.0.0.4:80', scheduler: 'lblc' },
      dest('10.2.0.1:80', 2, 0, 0, '10.0.0.4:80'),
      dest('10.2.0.2:80', 1, 0, 0, '10.0.0.4:80'),
      ...connects('10.0.0.4:80', 6, 6, 1500),
    ],
  },
  'twos with overloaded and quiesced dests': {
    version: 1,
    events: [
      { op: 'svc-add', svc: SVC, scheduler: 'twos' },
      dest('10.2.0.1:80', 1, 2, 0),
      dest('10.2.0.2:80', 4),
      dest('10.2.0.3:80', 0),
      ...connects(SVC, 8, 7, 1000),
    ],
  },
};

let backend: Backend | undefined;

beforeAll(async () => {
  backend = createQemuBackend({ kernel: KERNEL, jobs: 1 });
  await backend.start();
}, 600_000);

afterAll(async () => {
  await backend?.close();
});

describe(`HASH schedulers on the real ${KERNEL} kernel`, () => {
  for (const [name, scenario] of Object.entries(CASES)) {
    it(name, async () => {
      const kernel = await backend!.run(scenario);
      const model = runModel(scenario, { semantics: KERNEL, follow: kernel });
      const verdict = compareObservations(scenario, kernel, model);
      expect(verdict.kind === 'diverge' ? verdict.diff : verdict.kind).toBe('agree');
    }, 300_000);
  }
});
