// rr: hand traces from ip_vs_rr.c (ip_vs_rr_schedule's walk after the cursor, ip_vs_rr_del_dest)
// and ip_vs_ctl.c (__ip_vs_update_dest: list_add_rcu puts a new dest first).
import { describe, expect, it } from 'vitest';
import { picks, Story } from '../story.js';

describe('rr', () => {
  it('walks the list from the head, newest dest first, and wraps', () => {
    // list after adding 1, 2, 3: [3, 2, 1]; cursor starts at the head
    expect(picks(new Story('rr').add(1).add(2).add(3).connect(7).run())).toEqual([3, 2, 1, 3, 2, 1, 3]);
  });

  it('skips weight 0 and overloaded dests', () => {
    expect(picks(new Story('rr').add(1).add(2, { weight: 0 }).add(3).connect(4).run())).toEqual([3, 1, 3, 1]);
    // list [2, 1]; 1 has u=1: its first connection makes totalconns reach 1 and sets OVERLOAD
    expect(picks(new Story('rr').add(1, { upper: 1 }).add(2).connect(4).run())).toEqual([2, 1, 2, 2]);
  });

  it('moves the cursor back when its dest is deleted, and a re-added dest comes first', () => {
    // [3, 2, 1]: c1 → 3, c2 → 2 (cursor 2); del 2: cursor = old prev = 3; c3 → 1, c4 → 3;
    // re-add 2: [2, 3, 1], cursor 3: c5 → 1, c6 → 2
    const st = new Story('rr').add(1).add(2).add(3).connect(2).del(2).connect(2).add(2).connect(2);
    expect(picks(st.run())).toEqual([3, 2, 1, 3, 1, 2]);
  });

  it('gives no destination when every dest is quiesced', () => {
    expect(picks(new Story('rr').add(1, { weight: 0 }).connect(2).run())).toEqual([0, 0]);
  });
});
