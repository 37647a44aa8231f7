// hprio, following the 2005 patch's stated intent (shared/seeds/000_151297596c44f56a.txt): the
// highest weight among dests without OVERLOAD, round-robin among them, the cursor reset on every
// dest change (ip_vs_hprio_update_svc).
import { describe, expect, it } from 'vitest';
import { hprio } from '../../../src/model/schedulers/hprio.js';
import { picks, Story } from '../story.js';
import { dest, pick, service } from './util.js';

describe('hprio', () => {
  it('round-robin among the highest weight only', () => {
    // [13(w1), 23(w5), 22(w5), 21(w5)] as the seed adds them (13 first, 21 last → 21 at the head)
    const obs = new Story('hprio').add(13).add(23, { weight: 5 }).add(22, { weight: 5 }).add(21, { weight: 5 }).connect(4).run();
    expect(picks(obs)).toEqual([21, 22, 23, 21]);
  });

  it('an overloaded dest of the top weight is skipped (the patch code would still pick it)', () => {
    const a = dest(1, { weight: 5, overload: true });
    const b = dest(2, { weight: 5 });
    const c = dest(3, { weight: 1 });
    const { svc, ctx } = service(hprio, [a, b, c]);
    expect([pick(hprio, svc, ctx), pick(hprio, svc, ctx), pick(hprio, svc, ctx)]).toEqual([2, 2, 2]);
  });

  it('fails over to the spillover pool at once, and back when the main pool clears', () => {
    // main: 1 and 2 (w5, u=1, l=1); spillover 3 (w1). Each main dest overloads on its first
    // connection; then 3 takes everything; RST and the CLOSE timers (10 s) clear them.
    const st = new Story('hprio').add(3).add(2, { weight: 5, upper: 1, lower: 1 }).add(1, { weight: 5, upper: 1, lower: 1 });
    st.connect(4).rst(1, 2).wait(12_000).connect(2, 1);
    expect(picks(st.run('6.12'))).toEqual([1, 2, 3, 3, 1, 2]);
  });

  it('no dest with weight > 0 and without OVERLOAD: none', () => {
    const { svc, ctx } = service(hprio, [dest(1, { weight: 0 }), dest(2, { overload: true })]);
    expect(pick(hprio, svc, ctx)).toBe(0);
  });

  it('a dest change resets the cursor to the head', () => {
    // [2, 1] both w5: 2, then edit 1 (same weight): cursor at head → 2 again
    expect(picks(new Story('hprio').add(1, { weight: 5 }).add(2, { weight: 5 }).connect(1).edit(1, { weight: 5 }).connect(1).run())).toEqual([2, 2]);
  });
});
