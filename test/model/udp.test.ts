// UDP in the model (model/udp.ts), as ip_vs_proto_udp.c and ip_vs_conn.c handle it; the same
// stories agree with the real 6.1 and 6.12 kernels in test/run/surface.slow.test.ts.
import { describe, expect, it } from 'vitest';
import { runModel } from '../../src/model/index.js';
import type { Event, Scenario } from '../../src/scenario.js';

const SVC = 'udp/10.0.0.1:53';
const d = (dest: string): Event => ({ op: 'dest-add', svc: SVC, dest, weight: 1, upper: 0, lower: 0 });
let port = 5000;
const c = (conn: string, client = '10.1.0.1'): Event => ({ op: 'connect', conn, svc: SVC, client, cport: port++ });

function run(events: Event[]) {
  const s: Scenario = { version: 1, events };
  const o = runModel(s, { semantics: '6.1' });
  return { o, dests: o.steps.map((x) => x.dest), counts: (i: number) => o.steps[i]!.table![0]!.dests.map((x) => [x.dest, x.active, x.inactive, x.persistent]) };
}

describe('UDP in the model', () => {
  it('entries count as inactive; send stays on the entry; a deleted dest drops the datagram', () => {
    const { o, dests, counts } = run([{ op: 'svc-add', svc: SVC, scheduler: 'rr' }, d('10.2.0.1:53'), d('10.2.0.2:53'), c('u1'), c('u2'), { op: 'send', conn: 'u1' }, { op: 'dest-del', svc: SVC, dest: '10.2.0.2:53' }, { op: 'send', conn: 'u1' }]);
    expect(dests.slice(3, 6)).toEqual(['10.2.0.2:53', '10.2.0.1:53', '10.2.0.2:53']);
    expect(counts(4)).toEqual([['10.2.0.2:53', 0, 1, 0], ['10.2.0.1:53', 0, 1, 0]]);
    expect(o.steps[7]!.error?.name).toBe('ETIMEDOUT');
    expect(o.listings!.conns).toMatch(/^UDP \d\d:\d\d  UDP {9}10\.1\.0\.1:\d+ +10\.0\.0\.1:53 +10\.2\.0\.1:53$/m);
  });

  it('a silent server never answers: ETIMEDOUT with no dest, the entry stays with its UDP timeout', () => {
    const { o, counts } = run([{ op: 'svc-add', svc: SVC, scheduler: 'rr' }, d('10.5.0.1:80'), c('u1')]);
    expect(o.steps[2]!.error?.name).toBe('ETIMEDOUT');
    expect(o.steps[2]!.dest ?? null).toBeNull();
    expect(counts(2)).toEqual([['10.5.0.1:80', 0, 1, 0]]);
    expect(o.listings!.conns).toMatch(/^UDP 05:00  UDP {9}10\.1\.0\.1:\d+ +10\.0\.0\.1:53 +10\.5\.0\.1:80$/m);
  });

  it('one-packet scheduling: every datagram is scheduled anew and leaves no entry', () => {
    const { dests, counts } = run([{ op: 'svc-add', svc: SVC, scheduler: 'rr', ops: true }, d('10.2.0.1:53'), d('10.2.0.2:53'), c('u1'), { op: 'send', conn: 'u1' }, { op: 'send', conn: 'u1' }]);
    expect(dests.slice(3)).toEqual(['10.2.0.2:53', '10.2.0.1:53', '10.2.0.2:53']);
    expect(counts(5)).toEqual([['10.2.0.2:53', 0, 0, 0], ['10.2.0.1:53', 0, 0, 0]]);
  });

  it('persistence: the answer assures the template; the UDP timeout applies to new packets', () => {
    const { o } = run([{ op: 'svc-add', svc: SVC, scheduler: 'rr', persistent: 60 }, d('10.2.0.1:53'), { op: 'timeouts', tcp: 0, tcpfin: 0, udp: 30 }, c('u1')]);
    expect(o.listings!.conns).toMatch(/^UDP 01:00  ASSURED {5}10\.1\.0\.1:0 +10\.0\.0\.1:53 +10\.2\.0\.1:53$/m);
    expect(o.listings!.conns).toMatch(/^UDP 00:30  UDP /m);
  });

  it('an address and port an open UDP connection holds is refused (EADDRINUSE); no service answers none', () => {
    const { o, dests } = run([{ op: 'svc-add', svc: SVC, scheduler: 'rr' }, d('10.2.0.1:53'), c('u1'), { op: 'connect', conn: 'u2', svc: SVC, client: '10.1.0.1', cport: port - 1 }, { op: 'connect', conn: 'u3', svc: 'udp/10.0.0.9:53', client: '10.1.0.2', cport: 7 }]);
    expect(o.steps[3]!.error?.name).toBe('EADDRINUSE');
    expect(dests[4]).toBeNull();
  });
});
