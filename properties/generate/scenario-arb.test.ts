// Properties of the scenario generator: every scenario it draws is valid input (the case-file
// validator accepts it), internally consistent (closes only open connections, edits only present
// destinations, each client port once), and the mix covers what the nightly run must exercise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/casefile/validate-scenario.js';
import { ALL_FLAGS, ALL_SCHEDULERS, KERNEL_SCHEDULERS, SCHEDULER_FLAGS } from '../../src/generate/schedulers.js';
import { scenarioArb, scenarioScheduler } from '../../src/generate/scenario-arb.js';
import type { Scenario } from '../../src/scenario.js';
import { generateCase } from '../../src/generate/case-seed.js';
import { countKinds, scenarioKinds } from '../../src/generate/kinds.js';

const arb = scenarioArb({ schedulers: ALL_SCHEDULERS });

/** Replays a scenario's bookkeeping the way the kernel would accept it, service by service. */
function consistency(s: Scenario): string | undefined {
  const present = new Map<string, Set<string>>(); // live services and their destinations
  const open = new Map<string, boolean>(); // open connections: udp?
  const ports = new Map<string, string>(); // client address:port -> the connection holding it
  let everPresent = 0;
  for (const [i, e] of s.events.entries()) {
    if (i === 0 && e.op !== 'svc-add') return 'first event is not svc-add';
    const dests = 'svc' in e ? present.get(e.svc) : undefined;
    switch (e.op) {
      case 'svc-add': {
        if (present.has(e.svc)) return `event ${i}: ${e.svc} added twice`;
        present.set(e.svc, new Set());
        const own = SCHEDULER_FLAGS[e.scheduler];
        if (own && !(e.flags ?? []).every((f) => own.includes(f))) return `flags ${e.flags} on ${e.scheduler}`;
        if (!(e.flags ?? []).every((f) => ALL_FLAGS.includes(f) || /^flag-[123]$/.test(f))) return `flags ${e.flags}`;
        break;
      }
      case 'svc-edit':
        if (!dests) return `event ${i}: edits absent service ${e.svc}`;
        break;
      case 'svc-del':
        if (!present.delete(e.svc)) return `event ${i}: deletes absent service ${e.svc}`;
        break;
      case 'dest-add':
        if (!dests) return `event ${i}: adds to absent service ${e.svc}`;
        if (e.lower <= e.upper && !dests.has(e.dest)) {
          dests.add(e.dest);
          everPresent++;
        }
        if (e.weight < 0 || e.weight > 65535) return `event ${i}: weight ${e.weight}`;
        break;
      case 'dest-edit':
        if (!dests?.has(e.dest)) return `event ${i}: edits absent ${e.dest}`;
        break;
      case 'dest-del':
        if (!dests?.delete(e.dest)) return `event ${i}: deletes absent ${e.dest}`;
        break;
      case 'connect': {
        // a client port again only once its connection closed (the client keeps no TIME_WAIT)
        const holder = ports.get(`${e.client}:${e.cport}`);
        if (holder !== undefined && open.has(holder)) return `event ${i}: client port ${e.cport} reused while ${holder} is open`;
        ports.set(`${e.client}:${e.cport}`, e.conn);
        open.set(e.conn, e.svc.startsWith('udp/'));
        break;
      }
      case 'fin':
      case 'rst':
        if (open.get(e.conn) !== false) return `event ${i}: closes ${e.conn}, which is not an open TCP connection`;
        open.delete(e.conn);
        break;
      case 'shut':
        if (open.get(e.conn) !== false) return `event ${i}: shuts ${e.conn}, which is not an open TCP connection`;
        break;
      case 'timeouts':
      case 'sysctl':
        break;
      case 'send':
        if (!open.has(e.conn)) return `event ${i}: sends on ${e.conn}, which is not open`;
        break;
      case 'wait':
        if (e.ms < 0 || e.ms > 3 * 3_600_000) return `event ${i}: wait ${e.ms}`;
        // the half-hour tier is lblc/lblcr's (their full check): elsewhere it is two minutes
        if (e.ms >= 31 * 60_000 && e.ms < 3_600_000 && !s.events.some((x) => (x.op === 'svc-add' || x.op === 'svc-edit') && /^lblcr?$/.test(x.scheduler)))
          return `event ${i}: a half-hour wait without lblc or lblcr`;
        break;
      default:
        return `event ${i}: unexpected ${(e as { op: string }).op}`;
    }
  }
  return everPresent > 60 ? `${everPresent} destinations` : undefined;
}

describe('scenarioArb', () => {
  it('draws valid, self-consistent scenarios', () => {
    fc.assert(
      fc.property(arb, (s) => {
        validateScenario('generated', 'scenario', s);
        expect(consistency(s)).toBeUndefined();
        expect(s.events.filter((e) => e.op === 'dest-add').length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('shrinks to scenarios that are still valid', () => {
    // Any predicate: shrinking explores many plans; every one must map to a consistent scenario.
    const seen: string[] = [];
    const r = fc.check(
      fc.property(arb, (s) => {
        const c = consistency(s);
        if (c) seen.push(c);
        return s.events.filter((e) => e.op === 'connect').length < 3;
      }),
      { seed: 1, numRuns: 100 },
    );
    expect(r.failed).toBe(true);
    expect(seen).toEqual([]);
    expect(r.counterexample![0].events.filter((e) => e.op === 'connect')).toHaveLength(3);
  });

  it('only draws the schedulers it is given', () => {
    const only = scenarioArb({ schedulers: ['sh', 'mh'] });
    fc.assert(fc.property(only, (s) => ['sh', 'mh'].includes(scenarioScheduler(s))), { numRuns: 100 });
  });

  it('covers the mix the nightly run needs', () => {
    const xs = fc.sample(arb, { seed: 42, numRuns: 1500 });
    const events = xs.flatMap((s) => s.events);
    const scheds = new Set(xs.map(scenarioScheduler));
    expect([...scheds].sort()).toEqual([...ALL_SCHEDULERS].sort());
    const adds = events.filter((e) => e.op === 'dest-add');
    const edits = events.filter((e) => e.op === 'dest-edit');
    expect(adds.some((e) => e.op === 'dest-add' && e.lower > e.upper)).toBe(true); // rejected by the kernel
    expect(adds.some((e) => e.op === 'dest-add' && e.weight === 0)).toBe(true);
    expect(adds.some((e) => e.op === 'dest-add' && e.weight > 1000)).toBe(true);
    expect(edits.some((e) => e.op === 'dest-edit' && e.weight === 0)).toBe(true); // quiescing
    expect(edits.some((e) => e.op === 'dest-edit' && e.upper > 0)).toBe(true);
    for (const op of ['fin', 'rst', 'dest-del', 'wait'] as const) expect(events.some((e) => e.op === op)).toBe(true);
    // Re-adding a deleted destination (trash restore).
    expect(xs.some((s) => s.events.some((e, i) => e.op === 'dest-add' && s.events.slice(0, i).some((d) => d.op === 'dest-del' && d.dest === e.dest)))).toBe(true);
    // Persistence with masks; flags on sh/mh and occasionally elsewhere.
    const svcs = xs.map((s) => s.events[0]!).filter((e) => e.op === 'svc-add');
    expect(svcs.some((e) => e.op === 'svc-add' && e.persistent !== undefined && e.netmask === '255.255.255.0')).toBe(true);
    expect(svcs.some((e) => e.op === 'svc-add' && e.scheduler === 'sh' && e.flags?.includes('sh-port'))).toBe(true);
    expect(svcs.some((e) => e.op === 'svc-add' && e.scheduler === 'mh' && e.flags?.includes('mh-fallback'))).toBe(true);
    expect(svcs.some((e) => e.op === 'svc-add' && !['sh', 'mh'].includes(e.scheduler) && (e.flags?.length ?? 0) > 0)).toBe(true);
    // Ties: scenarios where several destinations share a weight.
    expect(xs.filter((s) => { const w = s.events.flatMap((e) => (e.op === 'dest-add' ? [e.weight] : [])); return new Set(w).size < w.length; }).length).toBeGreaterThan(xs.length / 4);
    // Few destinations usually, up to 16 sometimes.
    const counts = xs.map((s) => s.events.filter((e, i) => e.op === 'dest-add' && s.events.slice(1, i).every((p) => p.op === 'dest-add')).length);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(14);
    expect(counts.filter((c) => c <= 5).length).toBeGreaterThan(xs.length / 2);
    // The hprio shape: a main pool of weight 5 with small upper thresholds and a weight-1 spillover.
    expect(xs.filter((s) => s.events.some((e) => e.op === 'dest-add' && e.weight === 5 && e.upper >= 1 && e.upper <= 4) && s.events.some((e) => e.op === 'dest-add' && e.weight === 1 && e.upper === 0)).length).toBeGreaterThan(xs.length / 10);
    // Waits on virtual time: about one a case, mostly short; guest time is cheap but not free, so
    // the long tiers are rare and a case waits a few minutes on average, most of it the half hours
    // of lblc and lblcr cases (half a millisecond of host CPU per guest second).
    const waits = events.filter((e) => e.op === 'wait');
    expect(waits.length / xs.length).toBeGreaterThan(0.4);
    expect(waits.length / xs.length).toBeLessThan(2);
    const guestSeconds = waits.reduce((a, e) => a + (e.op === 'wait' ? e.ms : 0), 0) / 1000 / xs.length;
    expect(guestSeconds).toBeLessThan(400);
    expect(waits.some((e) => e.op === 'wait' && e.ms >= 31 * 60_000)).toBe(true); // lblc's half hour, hours now and then
    // Standard mix: about 30 events per case.
    const mean = events.length / xs.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(40);
    // Many client addresses in 10.1.0.0/16.
    const clients = new Set(events.flatMap((e) => (e.op === 'connect' ? [e.client] : [])));
    expect(clients.size).toBeGreaterThan(200);
  });

  it('reaches every kind of event and configuration within 300 cases of a run', () => {
    // Why: the nightly mix must reach each capability within a few hundred cases (issue 11).
    const required = [
      'services:2', 'services:3', 'svc-edit:sched', 'svc-edit:flags', 'svc-edit:persist-on', 'svc-edit:persist-off',
      'svc-edit:persist-change', 'svc-edit:ops', 'svc-del', 'svc-readd', 'dest-add:restore', 'dest-edit:quiesce',
      'persistent', 'netmask', 'flags', 'fin', 'rst', 'wait', 'shut', 'timeouts', 'sysctl',
      'svc:udp', 'svc:fwm', 'connect:udp', 'connect:fwm-tcp', 'connect:fwm-udp', 'send:udp', 'send:tcp',
      'persistent:fwm', 'persistent:udp', 'ops:udp', 'ops:fwm', 'fwd:route', 'fwd:tunnel', 'dest-edit:fwd',
      ...KERNEL_SCHEDULERS['6.1']!.map((x) => `switch-to:${x}`),
    ];
    for (const kernel of ['6.1', '6.12']) {
      const a = scenarioArb({ schedulers: KERNEL_SCHEDULERS[kernel]! });
      const drawn = countKinds(Array.from({ length: 300 }, (_, k) => scenarioKinds(generateCase(a, 20261121, k))));
      const want = kernel === '6.12' ? [...required, 'switch-to:twos', 'twos-law'] : required;
      for (const kind of want) expect(drawn[kind] ?? 0, `${kernel}: ${kind}`).toBeGreaterThanOrEqual(3);
    }
  });

  it('knows which kernel has which scheduler', () => {
    expect(KERNEL_SCHEDULERS['6.1']).not.toContain('twos');
    expect(KERNEL_SCHEDULERS['6.12']).toContain('twos');
    for (const k of ['6.1', '6.12']) expect(KERNEL_SCHEDULERS[k]).toContain('hprio');
  });
});
