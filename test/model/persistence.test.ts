// ip_vs_sched_persist (ip_vs_core.c): templates keyed on the client network, a hit skips the
// scheduler (quiesced and overloaded dests included), templates in persistconns.
import { describe, expect, it } from 'vitest';
import { lastDests, picks, Story } from './story.js';

describe('persistence', () => {
  it('a client network sticks to its dest, even quiesced or overloaded', () => {
    const st = new Story('rr', { persistent: 300, netmask: '255.255.255.0' }).add(1).add(2, { upper: 1 });
    st.connect(1, 0).connect(1, 1); // 10.1.0.x → 2 (overloads it), 10.1.1.x → 1
    st.edit(1, { weight: 0 }).connect(2, 0, 10).connect(2, 1, 10);
    expect(picks(st.run())).toEqual([2, 1, 2, 2, 1, 1]);
  });

  it('only a template miss advances rr', () => {
    // [3, 2, 1]: net 0 → 3, net 0 again (hit), net 1 → 2 (not 2nd in line after a hit: it is)
    const st = new Story('rr', { persistent: 60 }).add(1).add(2).add(3);
    st.connect(1, 0, 1).connect(1, 0, 1).connect(1, 0, 2);
    // default mask 255.255.255.255: 10.1.0.1 twice is one client, 10.1.0.2 another
    expect(picks(st.run())).toEqual([3, 3, 2]);
  });

  it('templates count in PersistConn and show as ASSURED in -c', () => {
    const obs = new Story('rr', { persistent: 60, netmask: '255.255.0.0' }).add(1).connect(3).run();
    expect(lastDests(obs)[1]).toMatchObject({ active: 3, persistent: 1 });
    expect(obs.listings!.conns).toMatch(/TCP 01:00  ASSURED     10\.1\.0\.0:0 +10\.0\.0\.1:80 +10\.2\.0\.1:80\n/);
  });

  it('a deleted dest invalidates the template: the next connection is scheduled anew', () => {
    const st = new Story('rr', { persistent: 300 }).add(1).add(2).connect(1, 0, 1).del(2).connect(1, 0, 1);
    expect(picks(st.run())).toEqual([2, 1]);
  });

  it('expire_quiescent_template: a quiesced dest (weight 0) invalidates its template; off, the template holds', () => {
    // ip_vs_check_template(): expire_quiescent_template(ipvs, dest) (seen on 6.1: seed 20261121,
    // case 50 of the standard mix, a wrr fwmark service, the kernel gave no dest)
    const story = (on: number) =>
      new Story('rr', { persistent: 300 })
        .add(1)
        .connect(1, 0, 1)
        .edit(1, { weight: 0 })
        .push({ op: 'sysctl', name: 'expire_quiescent_template', value: on })
        .connect(1, 0, 1)
        .run();
    expect(story(1).steps[5]).toMatchObject({ dest: null });
    expect(story(0).steps[5]).toMatchObject({ dest: '10.2.0.1:80' });
  });
});
