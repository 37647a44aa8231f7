// Laws every correct scheduler keeps, on random destination lists (weights, OVERLOAD, counters):
// never a weight-0 destination, never an overloaded one (all of these schedulers check the flag).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCHEDULERS } from '../../src/model/schedulers/index.js';
import type { DestState, SchedContext, ServiceState } from '../../src/model/types.js';
import { standaloneContext } from '../../src/model/context.js';

const CHECKS_OVERLOAD = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'fo', 'ovf', 'hprio'];

const destArb = fc.record({
  weight: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 65535 })),
  overload: fc.boolean(),
  activeConns: fc.integer({ min: 0, max: 300 }),
  inactConns: fc.integer({ min: 0, max: 300 }),
});

function build(name: string, specs: { weight: number; overload: boolean; activeConns: number; inactConns: number }[], semantics: '6.1' | '6.12') {
  const sched = SCHEDULERS.get(name)!;
  const svc: ServiceState = { addr: '10.0.0.1', addrNum: 0x0a000001, port: 80, scheduler: name, flags: 0, persistent: 0, netmask: 0xffffffff, destinations: [], schedData: undefined };
  const ctx: SchedContext = standaloneContext(semantics);
  sched.initService?.(svc, ctx);
  specs.forEach((s, i) => {
    const d: DestState = { addr: `10.2.0.${i + 1}`, addrNum: 0x0a020001 + i, port: 80, lastWeight: s.weight, uThreshold: 0, lThreshold: 0, persistConns: 0, available: true, ...s };
    svc.destinations.unshift(d);
    sched.addDest?.(svc, d, ctx);
  });
  return { sched, svc, ctx };
}

describe('scheduler laws', () => {
  for (const name of CHECKS_OVERLOAD) {
    it(`${name}: never weight 0, never OVERLOAD; finds one whenever some dest qualifies`, () => {
      fc.assert(
        fc.property(fc.array(destArb, { maxLength: 8 }), fc.constantFrom('6.1' as const, '6.12' as const), fc.integer({ min: 1, max: 20 }), (specs, sem, rounds) => {
          const { sched, svc, ctx } = build(name, specs, sem);
          const pkt = { saddr: 0x0a010001, sport: 1, daddr: 0x0a000001, dport: 80 };
          for (let r = 0; r < rounds; r++) {
            const dec = sched.schedule(svc, pkt, ctx);
            expect(dec.kind).toBe('one');
            const d = dec.kind === 'one' ? dec.dest : null;
            if (d) {
              expect(d.weight).toBeGreaterThan(0);
              expect(d.overload).toBe(false);
            }
            // ovf also needs activeconns <= weight; the rest take any usable dest
            const usable = svc.destinations.some((x) => x.weight > 0 && !x.overload && (name !== 'ovf' || x.activeConns <= x.weight));
            expect(d !== null).toBe(usable);
          }
        }),
      );
    });
  }
});

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

describe('wrr proportions', () => {
  it('any full cycle (sum of weights / gcd picks) gives each dest weight / gcd picks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 6 }), (weights) => {
        fc.pre(weights.some((w) => w > 0));
        const { sched, svc, ctx } = build('wrr', weights.map((weight) => ({ weight, overload: false, activeConns: 0, inactConns: 0 })), '6.12');
        const g = weights.filter((w) => w > 0).reduce(gcd);
        const period = weights.reduce((a, b) => a + b, 0) / g;
        const pkt = { saddr: 1, sport: 1, daddr: 1, dport: 80 };
        const picks: string[] = [];
        for (let i = 0; i < 3 * period; i++) {
          const dec = sched.schedule(svc, pkt, ctx);
          picks.push(dec.kind === 'one' && dec.dest ? dec.dest.addr : 'none');
        }
        for (const start of [0, 1, period]) {
          const window = picks.slice(start, start + period);
          weights.forEach((w, i) => expect(window.filter((a) => a === `10.2.0.${i + 1}`).length).toBe(w / g));
        }
      }),
    );
  });
});
