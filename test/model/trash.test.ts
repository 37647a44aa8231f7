// The dest trash: __ip_vs_del_dest keeps a dest with its counters while connections hold it;
// ip_vs_add_dest → ip_vs_trash_get_dest restores it, counters and OVERLOAD included.
import { describe, expect, it } from 'vitest';
import { lastDests, picks, Story } from './story.js';

describe('deleted destinations', () => {
  it('re-adding restores the counters of live connections', () => {
    const obs = new Story('rr').add(1).add(2).connect(4).del(2).add(2).run();
    expect(lastDests(obs)[2]!.active).toBe(2);
  });

  it('restores OVERLOAD too, so the restored dest is still skipped', () => {
    // [2, 1]; 2 has u=1: c1 → 2 (overloaded), c2 → 1; del 2, re-add with the same thresholds
    const obs = new Story('rr').add(1).add(2, { upper: 1 }).connect(2).del(2).add(2, { upper: 1 }).connect(2).run('6.12');
    expect(picks(obs)).toEqual([2, 1, 1, 1]);
  });

  it('a dest nothing holds comes back fresh', () => {
    const obs = new Story('rr').add(1).add(2).connect(2).rst(1).wait(11_000).del(2).add(2).run();
    expect(lastDests(obs)[2]).toMatchObject({ active: 0, inactive: 0 });
  });

  it('connections to a deleted dest are dropped: FIN is never answered, the state stays', () => {
    const obs = new Story('rr').add(1).add(2).connect(1).del(2).fin(1).add(2).run();
    expect(obs.steps[5]!.error?.name).toBe('ETIMEDOUT');
    expect(lastDests(obs)[2]!.active).toBe(1);
  });

  it('deleting the service sends its dests to the trash too', () => {
    const obs = new Story('rr').add(1).connect(2).push({ op: 'svc-del', svc: '10.0.0.1:80' }).push({ op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' }).add(1).run();
    expect(lastDests(obs)[1]!.active).toBe(2);
  });
});
