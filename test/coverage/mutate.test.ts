import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/casefile/validate-scenario.js';
import { Corpus } from '../../src/coverage/corpus.js';
import { CoverageGuide } from '../../src/coverage/guide.js';
import { mutationsArb } from '../../src/coverage/mutate.js';
import { CoverageRun } from '../../src/coverage/run.js';
import { scenarioArb } from '../../src/generate/scenario-arb.js';
import { runModel } from '../../src/model/index.js';

const base = scenarioArb({ schedulers: ['rr', 'wlc', 'sh'], maxOps: 12 });

describe('corpus mutations', () => {
  it('give valid scenarios the model runs, with the base case as their start', () => {
    fc.assert(
      fc.property(base.chain((b) => mutationsArb(b).map((m) => [b, m] as const)), ([b, m]) => {
        validateScenario(undefined, 'scenario', m);
        runModel(m, { semantics: '6.1' });
        expect(m.events.length).toBeGreaterThanOrEqual(b.events.length);
        const names = m.events.flatMap((e) => (e.op === 'connect' ? [e.conn] : []));
        expect(new Set(names).size).toBe(names.length);
        // Every base event is still there, in order.
        let i = 0;
        for (const e of m.events) if (i < b.events.length && JSON.stringify(e) === JSON.stringify(b.events[i])) i++;
        expect(i).toBe(b.events.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the guide', () => {
  it('draws the same case again for the same index, and draws mutations once the corpus has a case', async () => {
    const coverage = new CoverageRun('6.1');
    const corpus = await Corpus.open(undefined, '6.1');
    const guide = new CoverageGuide({ seed: 3, schedulers: ['rr', 'wrr'], coverage, corpus });
    const first = guide.draw(0);
    expect(guide.draw(0)).toBe(first);
    expect(first.label).toMatch(/^arm (rr|wrr)$/);
    // The take names what case 0 reached first: it joins the corpus.
    coverage.take(first.scenario, 'F /t/tree/net/netfilter/ipvs/ip_vs_rr.gcda 4232322a 1 2\nf 5 1 2 3 0:1\n');
    await guide.done({ kernel: '6.1', index: 0, seed: first.seed, scheduler: 'rr', events: first.scenario.events.length, outcome: 'agree', ms: 1 });
    expect(corpus.entries).toHaveLength(1);
    const mutated = Array.from({ length: 40 }, (_, k) => guide.draw(k + 1).scenario).filter((s) => s.events.length > first.scenario.events.length && JSON.stringify(s.events.slice(0, 2)) === JSON.stringify(first.scenario.events.slice(0, 2)));
    expect(mutated.length).toBeGreaterThan(0);
    expect(Array.from({ length: 40 }, (_, k) => guide.draw(k + 1).label)).toContain('corpus mutation');
    expect(guide.summary()).toMatch(/corpus 1 cases, 1 arcs/);
  });
});
