// The agent's lifecycle traffic in the model: send, shut of either side, fin and rst after a shut,
// a silent server, and a client port reused while its socket is still connected. States follow
// tcp_states[] of ip_vs_proto_tcp.c; the real-kernel counterpart is test/agent/lifecycle.slow.test.ts.
import { describe, expect, it } from 'vitest';
import { STATE_TABLE, S, UNREACHABLE_STATES } from '../../src/model/tcp.js';
import { lastDests, Story } from './story.js';

const connRowsText = (obs: { listings?: { conns: string } }) => obs.listings!.conns;
const state = (text: string, client: string) => new RegExp(`TCP +\\d\\d:\\d\\d +(\\S+) +${client.replace(/\./g, '\\.')}`).exec(text)?.[1];

describe('lifecycle traffic in the model', () => {
  it('moves through CLOSE_WAIT, FIN_WAIT, TIME_WAIT and CLOSE as the kernel does', () => {
    const obs = new Story('rr')
      .add(1)
      .connect(3)
      .push({ op: 'send', conn: 'c1' })
      .push({ op: 'shut', conn: 'c1', side: 'client' })
      .push({ op: 'send', conn: 'c1' })
      .push({ op: 'shut', conn: 'c2', side: 'server' })
      .push({ op: 'shut', conn: 'c3', side: 'client' })
      .rst(3)
      .run();
    expect(obs.steps.every((s) => s.error === undefined)).toBe(true);
    const conns = connRowsText(obs);
    expect(state(conns, '10.1.0.1:40001')).toBe('CLOSE_WAIT');
    expect(state(conns, '10.1.0.2:40002')).toBe('FIN_WAIT');
    expect(state(conns, '10.1.0.3:40003')).toBe('CLOSE');
    expect(lastDests(obs)[1]).toMatchObject({ active: 0, inactive: 3 });
  });

  it('completes a half-closed connection with fin, and sends nothing once both sides shut', () => {
    const obs = new Story('rr')
      .add(1)
      .connect(2)
      .push({ op: 'shut', conn: 'c1', side: 'server' })
      .fin(1)
      .push({ op: 'shut', conn: 'c2', side: 'client' })
      .push({ op: 'shut', conn: 'c2', side: 'server' })
      .rst(2)
      .run();
    const conns = connRowsText(obs);
    expect(state(conns, '10.1.0.1:40001')).toBe('TIME_WAIT');
    expect(state(conns, '10.1.0.2:40002')).toBe('TIME_WAIT'); // no RST left the closed client socket
  });

  it('leaves a SYN to a silent server in SYN_RECV (active), and sends nothing on it later', () => {
    const obs = new Story('rr').add(1).push({ op: 'dest-add', svc: '10.0.0.1:80', dest: '10.5.0.1:80', weight: 1, upper: 0, lower: 0 }).connect(1).fin(1).run();
    expect(obs.steps[3]!.dest).toBe('10.5.0.1:80');
    expect(state(connRowsText(obs), '10.1.0.1:40001')).toBe('SYN_RECV');
    expect(obs.steps[4]!.error).toBeUndefined();
  });

  it('refuses a connect from an address and port whose socket to that target is still connected', () => {
    const s = new Story('rr').add(1).connect(1);
    s.push({ op: 'connect', conn: 'again', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40001 });
    expect(s.run().steps[3]!.error?.name).toBe('EADDRNOTAVAIL');
  });

  it('never enters LAST_ACK from traffic: sLA appears only in its own column of tcp_states', () => {
    for (const st of UNREACHABLE_STATES)
      for (const row of STATE_TABLE) row.forEach((next, from) => from !== st && expect(next).not.toBe(st));
    expect(UNREACHABLE_STATES).toEqual([S.LAST_ACK]);
  });
});

describe('traffic on a deleted destination', () => {
  const del = { op: 'dest-del' as const, svc: '10.0.0.1:80', dest: '10.2.0.1:80' };
  it('gives up when the client ACK of a server FIN is dropped (the agent closes both sockets before any retransmission)', () => {
    const obs = new Story('rr').add(1).connect(1).push(del).push({ op: 'shut', conn: 'c1', side: 'server' }).push({ op: 'send', conn: 'c1' }).run();
    expect(obs.steps[4]!.error?.name).toBe('ETIMEDOUT');
    expect(obs.steps[5]!.error).toBeUndefined(); // nothing left to send on
    expect(state(connRowsText(obs), '10.1.0.1:40001')).toBe('FIN_WAIT'); // the server's FIN passed
    expect(obs.steps.every((s) => s.indeterminate === undefined)).toBe(true);
  });

  it('reports the silent server when a SYN from the same port meets its SYN_RECV entry, even with the dest deleted', () => {
    const silent = { op: 'dest-add' as const, svc: '10.0.0.1:80', dest: '10.5.0.9:80', weight: 1, upper: 0, lower: 0 };
    const s = new Story('nq').push(silent).connect(1).rst(1).push({ op: 'dest-del', svc: '10.0.0.1:80', dest: '10.5.0.9:80' });
    s.push({ op: 'connect', conn: 'again', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40001 });
    const obs = s.run();
    expect(obs.steps[5]).toMatchObject({ dest: '10.5.0.9:80' });
    expect(obs.steps[5]!.error).toBeUndefined();
  });
});

describe('with no service left (IPVS unregisters its hooks with the last service of a family)', () => {
  it('sees no packet: a half-close times out and the entry keeps its state; a SYN is refused', () => {
    const obs = new Story('mh')
      .add(1)
      .connect(1)
      .push({ op: 'svc-del', svc: '10.0.0.1:80' })
      .push({ op: 'shut', conn: 'c1', side: 'server' })
      .push({ op: 'connect', conn: 'c2', svc: '10.0.0.1:80', client: '10.1.0.2', cport: 40002 })
      .run();
    expect(obs.steps[4]!.error?.name).toBe('ETIMEDOUT');
    expect(state(connRowsText(obs), '10.1.0.1:40001')).toBe('ESTABLISHED');
    expect(obs.steps[5]).toMatchObject({ dest: null });
  });
});
