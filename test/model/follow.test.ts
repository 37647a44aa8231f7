// Honest non-determinism: where a scheduler's choice is random (twos), the step lists every
// allowed destination, and a model following a kernel run continues with the kernel's pick.
import { describe, expect, it } from 'vitest';
import { judgeFollowing } from '../../src/judge/follow.js';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';
import { lastDests, Story } from './story.js';

describe('following a kernel run', () => {
  const sc = new Story('twos').add(1).add(2).add(3).connect(2).scenario();

  it('without a kernel: all allowed listed, the first taken', () => {
    const obs = runModel(sc, { semantics: '6.12' });
    const step = obs.steps[4]!;
    expect(step.allowed).toEqual(['10.2.0.3:80', '10.2.0.2:80', '10.2.0.1:80']);
    expect(step.dest).toBe('10.2.0.3:80');
  });

  it("with a kernel: its pick when allowed, and the state follows it", () => {
    const kernel: Observation = {
      backend: 'qemu',
      kernel: { name: '6.12' },
      steps: sc.events.map((_, index) => ({ index, ...(index === 4 ? { dest: '10.2.0.1:80' } : index === 5 ? { dest: '10.2.0.1:80' } : {}) })),
    };
    const obs = runModel(sc, { semantics: '6.12', follow: kernel });
    expect(obs.steps[4]!.dest).toBe('10.2.0.1:80');
    expect(lastDests(obs)[1]!.active).toBe(2);
  });

  it('a kernel pick outside the allowed set is not followed', () => {
    const kernel: Observation = { backend: 'qemu', kernel: { name: '6.12' }, steps: sc.events.map((_, index) => ({ index, dest: '10.2.0.9:80' })) };
    expect(runModel(sc, { semantics: '6.12', follow: kernel }).steps[4]!.dest).toBe('10.2.0.3:80');
  });
});

/** A twos UDP service over `dests` (address, weight), and one datagram from 10.1.0.1:40000 (event 3). */
function twosUdp(svc: string, dests: [string, number][]): Scenario {
  return {
    version: 1,
    events: [
      { op: 'svc-add', svc, scheduler: 'twos' },
      ...dests.map(([dest, weight]) => ({ op: 'dest-add' as const, svc, dest, weight, upper: 0, lower: 0 })),
      { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
    ],
  };
}

describe('following a kernel whose random pick was a silent server (UDP)', () => {
  // twos over 10.2.0.1 and the silent 10.5.0.1: the agent sees a datagram to a silent server only
  // as no answer (ETIMEDOUT) and no destination.
  const sc = twosUdp('udp/10.0.0.1:53', [['10.5.0.1:80', 1], ['10.2.0.1:80', 1]]);
  const timedOut: Observation = {
    backend: 'qemu',
    kernel: { name: '6.12' },
    steps: sc.events.map((_, index) => ({ index, ...(index === 3 ? { error: { name: 'ETIMEDOUT', errno: 110, message: 'timed out' } } : {}) })),
  };

  it('takes the silent server, allows it as no destination, and counts the entry there', () => {
    const obs = runModel(sc, { semantics: '6.12', follow: timedOut });
    const step = obs.steps[3]!;
    expect(step.error?.name).toBe('ETIMEDOUT');
    expect(step.dest ?? null).toBeNull();
    expect(step.allowed).toContain(null);
    const dests = obs.steps[3]!.table![0]!.dests;
    expect(dests.find((d) => d.dest === '10.5.0.1:80')).toMatchObject({ inactive: 1 });
  });

  it('a kernel that named the answering server is followed there', () => {
    const named: Observation = { ...timedOut, steps: sc.events.map((_, index) => ({ index, ...(index === 3 ? { dest: '10.2.0.1:80' } : {}) })) };
    const step = runModel(sc, { semantics: '6.12', follow: named }).steps[3]!;
    expect(step.dest).toBe('10.2.0.1:80');
    expect(step.error).toBeUndefined();
  });
});

describe('several silent servers allowed', () => {
  const sc = twosUdp('udp/10.0.0.4:53', [['10.5.0.1:80', 2], ['10.5.0.2:80', 1]]);
  const timedOut = (index: number) => (index === 3 ? { error: { name: 'ETIMEDOUT', errno: 110, message: 'timed out' } } : {});

  it('which one got the datagram is a choice the search settles from the kernel table', () => {
    const entryAt = (o: Observation) => o.steps[3]!.table![0]!.dests.find((d) => d.inactive === 1)?.dest;
    const picked = new Set<string | undefined>();
    for (const choice of [0, 1]) {
      const follow: Observation = { backend: 'qemu', kernel: { name: '6.12' }, steps: sc.events.map((_, index) => ({ index, ...timedOut(index) })) };
      // The kernel's observation: its table names the silent server that got the entry.
      const run = runModel(sc, { semantics: '6.12', follow, choices: [choice] });
      const kernel: Observation = { ...run, steps: run.steps.map((s, index) => ({ index, ...timedOut(index), ...(s.table ? { table: s.table } : {}) })) };
      const f = judgeFollowing(sc, kernel, '6.12');
      expect(f.verdict.kind).toBe('agree');
      picked.add(entryAt(kernel));
      expect(entryAt(f.model)).toBe(entryAt(kernel));
    }
    expect(picked).toEqual(new Set(['10.5.0.1:80', '10.5.0.2:80']));
  });
});
