import { describe, expect, it } from 'vitest';
import type { Observation, StepResult } from '../../../src/observation.js';
import { checkSchedulers, schedulersScenario, SEED, seedScenario, smokeVip, summarizeSeed } from '../../../src/backends/qemu/smoke.js';

describe('smoke scenarios', () => {
  it('gives each scheduler its own service, three destinations and ten clients, avoiding the topology’s own addresses', () => {
    const sc = schedulersScenario(['rr', 'hprio']);
    expect(sc.events.filter((e) => e.op === 'svc-add').map((e) => 'scheduler' in e && e.scheduler)).toEqual(['rr', 'hprio']);
    expect(sc.events.filter((e) => e.op === 'dest-add')).toHaveLength(6);
    const connects = sc.events.filter((e) => e.op === 'connect');
    expect(connects).toHaveLength(20);
    expect(new Set(connects.map((e) => 'client' in e && e.client)).size).toBe(20);
    for (const e of sc.events) if ('svc' in e) expect(['10.0.0.2:80', '10.0.0.254:80']).not.toContain(e.svc);
  });

  it("is the patch's setup: hprio persistent 150, 3 × weight 5 (50/20), spillover weight 1, 160 distinct clients", () => {
    const sc = seedScenario();
    expect(sc.events[0]).toEqual({ op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'hprio', persistent: 150 });
    const dests = sc.events.filter((e) => e.op === 'dest-add');
    expect(dests).toHaveLength(4);
    expect(dests.filter((e) => 'weight' in e && e.weight === 5 && e.upper === 50 && e.lower === 20)).toHaveLength(3);
    const clients = sc.events.filter((e) => e.op === 'connect').map((e) => ('client' in e ? e.client : ''));
    expect(clients).toHaveLength(160);
    expect(new Set(clients).size).toBe(160);
  });
});

function observe(steps: StepResult[]): Observation {
  return { backend: 'qemu', kernel: { name: '6.1' }, steps };
}

describe('smoke checks', () => {
  it('flags a scheduler that left connections unplaced', () => {
    const sc = schedulersScenario(['rr']);
    const steps = sc.events.map((e, index): StepResult => (e.op === 'connect' ? { index, dest: index === 5 ? null : '10.2.1.1:80' } : { index }));
    expect(checkSchedulers(['rr'], sc, observe(steps))).toEqual([`rr: 9 of 10 connections reached a destination (10.2.1.1:80×9 none×1)`]);
    expect(smokeVip(0)).toBe('10.0.0.101:80');
  });

  it('finds when the spillover first took traffic and how loaded the main pool was', () => {
    const sc = seedScenario();
    let n = 0;
    const load: Record<string, number> = Object.fromEntries(SEED.main.map((d) => [d, 0]));
    const steps = sc.events.map((e, index): StepResult => {
      if (e.op !== 'connect') return { index };
      n++;
      const dest = n <= 150 ? SEED.main[n % 3]! : SEED.spillover;
      const s: StepResult = {
        index,
        dest,
        table: [{ svc: SEED.svc, scheduler: 'hprio', flags: [], dests: SEED.main.map((d) => ({ dest: d, fwd: 'Masq', weight: 5, upper: 50, lower: 20, active: load[d]! + (d === dest ? 1 : 0), inactive: 0, persistent: 0 })) }],
      };
      if (dest !== SEED.spillover) load[dest]!++;
      return s;
    });
    const sum = summarizeSeed(sc, observe(steps));
    expect(sum.problems).toEqual([]);
    expect(sum.firstSpill).toBe(151);
    expect(sum.mainLoadAtSpill).toEqual(Object.fromEntries(SEED.main.map((d) => [d, 50])));
    expect(sum.counts.get(SEED.spillover)).toBe(10);
  });

  it('flags a spillover that never took traffic', () => {
    const sc = seedScenario();
    const steps = sc.events.map((e, index): StepResult => (e.op === 'connect' ? { index, dest: SEED.main[index % 3]! } : { index }));
    expect(summarizeSeed(sc, observe(steps)).problems).toEqual([`the spillover 10.2.0.13:80 took no connection of 160`]);
  });
});
