// DR and tunnel destinations: the director sees only the client's packets of their connections
// (IP_VS_CONN_F_NOOUTPUT), so ip_vs_proto_tcp.c's INPUT-ONLY transitions apply; an edit of a
// destination's method reaches new connections only (dest->conn_flags is copied at bind).
import { describe, expect, it } from 'vitest';
import { nextState, Dir, Flag, S } from '../../src/model/tcp.js';
import { lastDests, Story } from './story.js';

/** The -c rows' states by connection source, e.g. { '10.1.0.1:40001': 'FIN_WAIT' }. */
function connStates(conns: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of conns.split('\n').slice(2)) {
    const t = line.trim().split(/\s+/);
    if (t.length >= 6) out[t[3]!] = t[2]!;
  }
  return out;
}

describe('INPUT-ONLY transitions (tcp_states, rows 8..11)', () => {
  it('a client FIN on ESTABLISHED gives FIN_WAIT, not CLOSE_WAIT as with masquerading', () => {
    expect(nextState(S.ESTABLISHED, Dir.INPUT_ONLY + Flag.FIN)).toBe(S.FIN_WAIT);
    expect(nextState(S.ESTABLISHED, Dir.IN + Flag.FIN)).toBe(S.CLOSE_WAIT);
    expect(nextState(S.FIN_WAIT, Dir.INPUT_ONLY + Flag.ACK)).toBe(S.FIN_WAIT);
    // the one other difference from INPUT: a reset on SYNACK closes
    expect(nextState(S.SYNACK, Dir.INPUT_ONLY + Flag.RST)).toBe(S.CLOSE);
    expect(nextState(S.SYNACK, Dir.IN + Flag.RST)).toBe(S.SYN_RECV);
  });
});

describe('Route and Tunnel destinations', () => {
  it('are listed with their method, and their connections close to FIN_WAIT (inactive)', () => {
    const obs = new Story('rr').add(1, { fwd: 'route' }).add(2, { fwd: 'tunnel' }).add(3).connect(3).fin(1, 2, 3).run();
    const d = lastDests(obs);
    expect([d[1]!.fwd, d[2]!.fwd, d[3]!.fwd]).toEqual(['Route', 'Tunnel', 'Masq']);
    expect([d[1]!.inactive, d[2]!.inactive, d[3]!.inactive]).toEqual([1, 1, 1]);
    // rr, newest first: c1 -> 3 (masq), c2 -> 2 (tunnel), c3 -> 1 (route)
    expect(connStates(obs.listings!.conns)).toEqual({ '10.1.0.1:40001': 'TIME_WAIT', '10.1.0.2:40002': 'FIN_WAIT', '10.1.0.3:40003': 'FIN_WAIT' });
    expect(obs.listings!.list).toMatch(/-> 10\.2\.0\.1:80 {18}Route {3}1 /);
    expect(obs.listings!.list).toMatch(/-> 10\.2\.0\.2:80 {18}Tunnel {2}1 /);
  });

  it('an edit of the method reaches new connections; open ones keep the method they were bound with', () => {
    const obs = new Story('rr').add(1).connect(1).edit(1, { fwd: 'route' }).connect(1, 0, 2).fin(1, 2).run();
    expect(lastDests(obs)[1]!.fwd).toBe('Route');
    expect(connStates(obs.listings!.conns)).toEqual({ '10.1.0.1:40001': 'TIME_WAIT', '10.1.0.2:40002': 'FIN_WAIT' });
    const back = new Story('rr').add(1, { fwd: 'tunnel' }).connect(1).edit(1).connect(1, 0, 2).fin(1, 2).run();
    expect(lastDests(back)[1]!.fwd).toBe('Masq');
    expect(connStates(back.listings!.conns)).toEqual({ '10.1.0.1:40001': 'FIN_WAIT', '10.1.0.2:40002': 'TIME_WAIT' });
  });

  it("the server's half-close and data never reach the director: ESTABLISHED stays (masquerading: FIN_WAIT)", () => {
    const story = (fwd: 'route' | 'masq') =>
      new Story('rr')
        .add(1, { fwd })
        .connect(2)
        .push({ op: 'shut', conn: 'c1', side: 'server' })
        .push({ op: 'send', conn: 'c2' })
        .run();
    expect(connStates(story('route').listings!.conns)).toEqual({ '10.1.0.1:40001': 'ESTABLISHED', '10.1.0.2:40002': 'ESTABLISHED' });
    expect(connStates(story('masq').listings!.conns)).toEqual({ '10.1.0.1:40001': 'FIN_WAIT', '10.1.0.2:40002': 'ESTABLISHED' });
  });

  it("a client shut then fin: CLOSE_WAIT's INPUT-ONLY twin is FIN_WAIT, and the server's FIN changes nothing", () => {
    const obs = new Story('rr').add(1, { fwd: 'tunnel' }).connect(1).push({ op: 'shut', conn: 'c1', side: 'client' }).push({ op: 'send', conn: 'c1' }).fin(1).run();
    expect(obs.steps.map((s) => s.error)).toEqual(obs.steps.map(() => undefined));
    expect(connStates(obs.listings!.conns)).toEqual({ '10.1.0.1:40001': 'FIN_WAIT' });
  });

  it('a dest restored from the trash takes the method of the new add', () => {
    const obs = new Story('rr').add(1).connect(1).del(1).add(1, { fwd: 'route' }).run();
    const d = lastDests(obs)[1]!;
    expect([d.fwd, d.active]).toEqual(['Route', 1]);
  });
});
