// wrr: hand traces from ip_vs_wrr.c. ip_vs_wrr_dest_changed() runs on every add, so a service
// built one dest at a time starts at cw = 1, not at the maximum weight (cw only realigns when it
// exceeds mw or is 0).
import { describe, expect, it } from 'vitest';
import { picks, Story } from '../story.js';

describe('wrr', () => {
  it('weights 3, 2, 1 (and 0): the kernel cycle after one-by-one adds', () => {
    // list [4(w0), 3(w1), 2(w2), 1(w3)]; after the adds: di=1, mw=3, cw=1.
    // cw=1: 3, 2, 1; cw -= di → 0 → cw = mw = 3: 1; cw=2: 2, 1; cw=1: 3, 2, 1 ...
    const obs = new Story('wrr').add(1, { weight: 3 }).add(2, { weight: 2 }).add(3, { weight: 1 }).add(4, { weight: 0 }).connect(12).run();
    expect(picks(obs)).toEqual([3, 2, 1, 1, 2, 1, 3, 2, 1, 1, 2, 1]);
  });

  it('a full cycle gives each dest its weight', () => {
    const obs = new Story('wrr').add(1, { weight: 4 }).add(2, { weight: 2 }).connect(12).run();
    const p = picks(obs);
    expect(p.filter((x) => x === 1)).toHaveLength(8);
    expect(p.filter((x) => x === 2)).toHaveLength(4);
  });

  it('gcd: weights 4 and 2 step cw by 2', () => {
    // adds: 1(w4): di=4, mw=1, cw=1; 2(w2): di=2, mw=3, cw: 1 <= 3 and di > 1 → (1/2)*2+1 = 1.
    // list [2(w2), 1(w4)]: cw=1: 2, 1; cw=-1 → cw=3: 1; cw=1: 2, 1; ...
    const obs = new Story('wrr').add(1, { weight: 4 }).add(2, { weight: 2 }).connect(6).run();
    expect(picks(obs)).toEqual([2, 1, 1, 2, 1, 1]);
  });

  it('all weights 0: no destination (mark->mw == 0)', () => {
    expect(picks(new Story('wrr').add(1, { weight: 0 }).add(2, { weight: 0 }).connect(2).run())).toEqual([0, 0]);
  });

  it('skips an overloaded dest', () => {
    // list [2(w1), 1(w1, u=1)]: c1 → 2; c2 → 1 (now overloaded); then only 2
    expect(picks(new Story('wrr').add(1, { upper: 1 }).add(2).connect(4).run())).toEqual([2, 1, 2, 2]);
  });
});
