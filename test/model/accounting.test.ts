// Counters and OVERLOAD: ip_vs_bind_dest / ip_vs_unbind_dest (ip_vs_conn.c), set_tcp_state
// (ip_vs_proto_tcp.c), __ip_vs_update_dest (ip_vs_ctl.c), for 6.1.176 and 6.12.107 rules.
import { describe, expect, it } from 'vitest';
import { bindDest, updateThresholds } from '../../src/model/accounting.js';
import { rulesFor } from '../../src/model/semantics.js';
import type { Conn, ModelDest } from '../../src/model/state.js';
import { lastDests, Story } from './story.js';

describe('connection accounting', () => {
  it('connect is active (SYN_RECV then ESTABLISHED); FIN and RST make it inactive', () => {
    const d = lastDests(new Story('rr').add(1).connect(3).run());
    expect([d[1]!.active, d[1]!.inactive]).toEqual([3, 0]);
    // client FIN: ESTABLISHED → CLOSE_WAIT (inactive), ... → TIME_WAIT; client RST → CLOSE
    const e = lastDests(new Story('rr').add(1).connect(3).fin(1).rst(2).run());
    expect([e[1]!.active, e[1]!.inactive]).toEqual([1, 2]);
  });

  it('closed connections leave when their timer fires: CLOSE after 10 s, TIME_WAIT after 120 s', () => {
    const d = lastDests(new Story('rr').add(1).connect(2).rst(1).fin(2).wait(11_000).run());
    expect([d[1]!.active, d[1]!.inactive]).toEqual([0, 1]);
    const e = lastDests(new Story('rr').add(1).connect(2).rst(1).fin(2).wait(125_000).run());
    expect([e[1]!.active, e[1]!.inactive]).toEqual([0, 0]);
  });

  it('ipvsadm --set changes the ESTABLISHED timeout of connections that enter it later', () => {
    const st = new Story('rr').add(1).push({ op: 'timeouts', tcp: 5, tcpfin: 0, udp: 0 }).connect(1).wait(6_000);
    expect(lastDests(st.run())[1]!.active).toBe(0);
  });
});

function mkDest(f: Partial<ModelDest>): ModelDest {
  return {
    key: '10.2.0.1:80', addr: '10.2.0.1', addrNum: 0x0a020001, port: 80, weight: 1, lastWeight: 1, uThreshold: 0, lThreshold: 0,
    lThresholdVal: 0, activeConns: 0, inactConns: 0, persistConns: 0, overload: false, available: true, svcKey: '10.0.0.1:80', refs: 0, idleStart: 0, fwd: 'Masq', ...f,
  };
}

describe('OVERLOAD, 6.1.176 rules', () => {
  const rules = rulesFor('6.1');
  it('a template bind sets OVERLOAD when active + inact >= u (templates themselves do not count)', () => {
    const d = mkDest({ uThreshold: 2, activeConns: 2 });
    bindDest({ template: true } as Conn, d, rules);
    expect(d.overload).toBe(true);
    expect(d.persistConns).toBe(1);
  });
  it('edit clears OVERLOAD when the new u is 0 or larger, never sets it', () => {
    const d = mkDest({ uThreshold: 3, activeConns: 3, overload: true });
    updateThresholds(d, 4, 1, rules);
    expect(d.overload).toBe(false);
    updateThresholds(d, 2, 0, rules);
    expect(d.overload).toBe(false);
  });
  it('unbind clears below l, else below 3/4 of u', () => {
    const st = new Story('rr').add(1, { upper: 4 }).connect(4).rst(1, 2).wait(11_000);
    // 4 conns = u: OVERLOAD; two expire: total 2, 2 * 4 < 4 * 3 → cleared
    expect(lastDests(st.run('6.1'))[1]!.active).toBe(2);
    expect(picksAfter(new Story('rr').add(1, { upper: 4 }).add(2).connect(8).run('6.1'))).toEqual([2, 1, 2, 1, 2, 1, 2, 1]);
  });
});

describe('OVERLOAD, 6.12.107 rules (__ip_vs_dest_update_overload)', () => {
  const rules = rulesFor('6.12');
  it('templates never count', () => {
    const d = mkDest({ uThreshold: 2, lThresholdVal: 2, activeConns: 2 });
    bindDest({ template: true } as Conn, d, rules);
    expect(d.overload).toBe(false);
  });
  it('edit re-evaluates only when u or l changed, with l_threshold_val = l ?: u - (u >> 2)', () => {
    const d = mkDest({ activeConns: 3 });
    updateThresholds(d, 3, 0, rules); // l_val = 3; conns 3 >= u → set
    expect([d.overload, d.lThresholdVal]).toEqual([true, 3]);
    updateThresholds(d, 4, 1, rules); // conns 3 < u 4 but >= l 1: kept (6.1 would clear)
    expect(d.overload).toBe(true);
    updateThresholds(d, 4, 1, rules); // unchanged: nothing
    expect(d.overload).toBe(true);
    updateThresholds(d, 0, 0, rules); // u = 0: cleared
    expect(d.overload).toBe(false);
  });
  it('the flag follows totalconns crossing u up and l_threshold_val down', () => {
    // u=2 l=1 on 1; [2, 1]: c1 → 2, c2 → 1, c3 → 2, c4 → 1 (total 2 = u: set), c5 → 2, c6 → 2;
    // rst c2, c4 (both on 1) and wait: total 0 < l → cleared: c7 → 1
    const st = new Story('rr').add(1, { upper: 2, lower: 1 }).add(2).connect(6).rst(2, 4).wait(11_000).connect(1);
    expect(picksAfter(st.run('6.12'))).toEqual([2, 1, 2, 1, 2, 2, 1]);
  });
});

function picksAfter(obs: ReturnType<Story['run']>): number[] {
  return obs.steps.filter((s) => s.dest !== undefined).map((s) => Number(s.dest!.split(':')[0]!.split('.')[3]));
}
