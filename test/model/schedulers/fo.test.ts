// fo: ip_vs_fo_schedule(): highest weight without OVERLOAD, strict `>` so the first wins ties.
import { describe, expect, it } from 'vitest';
import { fo } from '../../../src/model/schedulers/fo.js';
import { picks, Story } from '../story.js';
import { dest, pick, service } from './util.js';

describe('fo', () => {
  it('highest weight; first of equal weights', () => {
    const { svc, ctx } = service(fo, [dest(1, { weight: 2 }), dest(2, { weight: 5 }), dest(3, { weight: 5 })]);
    expect(pick(fo, svc, ctx)).toBe(2);
  });
  it('fails over when the top dest overloads, and back when it clears', () => {
    // [2(w1), 1(w5, u=2 l=1)]: 1, 1 (now 2 conns = u: OVERLOAD), 2; rst both on 1, wait for the
    // CLOSE timers (10 s): totalconns drops below l → cleared → 1 again.
    const obs = new Story('fo').add(1, { weight: 5, upper: 2, lower: 1 }).add(2).connect(3).rst(1, 2).wait(12_000).connect(1).run('6.12');
    expect(picks(obs)).toEqual([1, 1, 2, 1]);
  });
  it('weight 0 or all overloaded: none', () => {
    const { svc, ctx } = service(fo, [dest(1, { weight: 0 }), dest(2, { overload: true })]);
    expect(pick(fo, svc, ctx)).toBe(0);
  });
});
