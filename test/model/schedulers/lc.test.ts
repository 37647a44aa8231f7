// lc: ip_vs_lc_schedule() with ip_vs_dest_conn_overhead() of each kernel (semantics.ts).
import { describe, expect, it } from 'vitest';
import { lc } from '../../../src/model/schedulers/lc.js';
import { picks, Story } from '../story.js';
import { dest, pick, service } from './util.js';
import { standaloneContext } from '../../../src/model/context.js';

describe('lc', () => {
  it('least overhead, first in list order wins ties', () => {
    const { svc, ctx } = service(lc, [dest(1, { activeConns: 1 }), dest(2), dest(3)]);
    expect(pick(lc, svc, ctx)).toBe(2);
  });

  it('6.1 counts inactconns, 6.12 totalconns: (1 << 8) + 0 ties 0 + 256 in 6.1 only', () => {
    // A: 1 active → 6.1: 256, 6.12: 256 + 1 = 257.  B: 256 inactive → 256 in both.
    const a = dest(1, { activeConns: 1 });
    const b = dest(2, { inactConns: 256 });
    expect(pick(lc, service(lc, [a, b], '6.1').svc, standaloneContext('6.1'))).toBe(1);
    expect(pick(lc, service(lc, [a, b], '6.12').svc, standaloneContext('6.12'))).toBe(2);
  });

  it('skips weight 0 and OVERLOAD; none left gives no destination', () => {
    const { svc, ctx } = service(lc, [dest(1, { weight: 0 }), dest(2, { overload: true, activeConns: 0 }), dest(3, { activeConns: 9 })]);
    expect(pick(lc, svc, ctx)).toBe(3);
    const none = service(lc, [dest(1, { weight: 0 }), dest(2, { overload: true })]);
    expect(pick(lc, none.svc, none.ctx)).toBe(0);
  });

  it('end to end: connections spread to the least loaded, closed ones still count', () => {
    // [3, 2, 1]: 3, 2, 1; rst c1 (on 3): 3 has 0 active + 1 inactive = 1 < 256 → 3 again
    expect(picks(new Story('lc').add(1).add(2).add(3).connect(3).rst(1).connect(2).run())).toEqual([3, 2, 1, 3, 2]);
  });
});
