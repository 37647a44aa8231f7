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

describe('fin and rst as the agent sends them', () => {
  it('fin after the IPVS entry expired: the server never sees it (ETIMEDOUT); rst: nothing to report', () => {
    const st = new Story('rr').add(1).push({ op: 'timeouts', tcp: 3, tcpfin: 0, udp: 0 }).connect(2).wait(5_000).fin(1).rst(2);
    const obs = st.run();
    expect(obs.steps.slice(-2).map((s) => s.error?.name)).toEqual(['ETIMEDOUT', undefined]);
  });

  it('a second fin or rst on a closed connection sends nothing', () => {
    const obs = new Story('rr').add(1).connect(1).fin(1).fin(1).rst(1).run();
    expect(obs.steps.slice(-3).every((s) => s.error === undefined)).toBe(true);
    expect(lastDests(obs)[1]).toMatchObject({ active: 0, inactive: 1 });
  });

  it('reusing a client port after RST reschedules (is_new_conn_expected: CLOSE), the old entry going on the next tick', () => {
    const st = new Story('rr').add(1).add(2).add(3);
    st.push({ op: 'connect', conn: 'a', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 50000 });
    st.push({ op: 'rst', conn: 'a' });
    st.push({ op: 'connect', conn: 'b', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 50000 });
    const obs = st.run();
    expect(picks(obs)).toEqual([3, 2]);
    // ip_vs_conn_expire_now(): mod_timer(jiffies) lands in the next jiffy's bucket. The model alone
    // reads the table in the same jiffy: the old entry is still counted (seen both ways on real
    // guests; following a kernel, its jiffies decide).
    expect(lastDests(obs)[3]!.inactive).toBe(1);
    expect(obs.reached?.['port-reuse:resched']).toBe(1);
    const later = st.wait(4).run();
    expect(lastDests(later)[3]!.inactive).toBe(0);
    expect(later.reached?.['expire:CLOSE']).toBe(1);
  });

  it('reusing a client port after its service was deleted: rescheduled, no service takes the SYN, refused while the old entry is listed', () => {
    // Another service keeps IPVS's hook looking at the SYN (with none left, no hook sees it).
    const st = new Story('rr').add(1).push({ op: 'svc-add', svc: '10.0.0.4:80', scheduler: 'rr' });
    st.push({ op: 'connect', conn: 'a', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 50000 });
    st.push({ op: 'rst', conn: 'a' }).push({ op: 'svc-del', svc: '10.0.0.1:80' });
    st.push({ op: 'connect', conn: 'b', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 50000 });
    const obs = st.run();
    expect(obs.steps.at(-1)!.error?.name).toBe('ECONNREFUSED');
    expect(obs.reached?.['port-reuse:resched-no-service']).toBe(1);
    // Another port has no entry to reschedule: the director's reset reads as no destination.
    st.push({ op: 'connect', conn: 'c', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 50001 });
    expect(st.run().steps.at(-1)!.error).toBeUndefined();
  });
});
