// The agent's lifecycle commands in a real 6.1 guest on virtual time: the kernel's jiffies around
// every command, HZ in the hello, `send`, `shut` of either side, `fin` and `rst` after a shut,
// a SYN to a silent server (10.5.0.0/16) left in SYN_RECV, `sysctl`, and a long `wait`.
// Expected IPVS states follow tcp_states[] of ip_vs_proto_tcp.c.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession } from '../../src/agent/session.js';
import type { Event, Scenario } from '../../src/scenario.js';
import { Guest } from '../../src/backends/qemu/guest.js';
import { buildImage } from '../../src/backends/qemu/image.js';

const SVC = '10.0.0.1:80';
const QUIET = '10.0.0.3:80';
const connect = (n: number, svc = SVC): Event => ({ op: 'connect', conn: `c${n}`, svc, client: `10.1.0.${n}`, cport: 40000 + n });

const lifecycle: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: SVC, scheduler: 'rr' },
    { op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    connect(1),
    { op: 'send', conn: 'c1' },
    { op: 'shut', conn: 'c1', side: 'client' }, // ES -in FIN-> CLOSE_WAIT
    { op: 'send', conn: 'c1' }, // the server sends now
    connect(2),
    { op: 'shut', conn: 'c2', side: 'server' }, // ES -out FIN-> FIN_WAIT
    { op: 'send', conn: 'c2' },
    { op: 'fin', conn: 'c2' }, // FIN_WAIT -in FIN-> TIME_WAIT
    connect(3),
    { op: 'shut', conn: 'c3', side: 'client' },
    { op: 'rst', conn: 'c3' }, // CLOSE_WAIT -in RST-> CLOSE
    { op: 'svc-add', svc: QUIET, scheduler: 'rr' },
    { op: 'dest-add', svc: QUIET, dest: '10.5.0.1:80', weight: 1, upper: 0, lower: 0 },
    connect(4, QUIET), // the SYN goes to a silent server: SYN_RECV, nothing answers
    { op: 'fin', conn: 'c4' }, // nothing to close: no packet
    { op: 'sysctl', name: 'lblc_expiration', value: 30 },
    { op: 'sysctl', name: 'nosuch_sysctl', value: 1 },
    { op: 'sysctl', name: 'expire_quiescent_template', value: 1 },
  ],
};

const state = (conns: string, client: string) => new RegExp(`TCP +\\d\\d:\\d\\d +(\\S+) +${client.replace(/\./g, '\\.')}`).exec(conns)?.[1];

describe('agent lifecycle commands in a real 6.1 guest (virtual time)', () => {
  let guest: Guest<AgentSession>;

  beforeAll(async () => {
    const image = await buildImage({ kernel: '6.1' });
    guest = await Guest.boot({ image, accel: 'tcg', connect: (s) => new AgentSession(s), bootTimeoutMs: 180_000, icount: { shift: 'auto', sleep: false } });
  }, 600_000);

  afterAll(async () => {
    await guest?.close();
  });

  it('says the kernel HZ and stamps every command with the jiffies around it', async () => {
    expect(guest.hello.hz).toBe(250);
    const r = await guest.session.runCase(lifecycle, { timeoutMs: 120_000 });
    let last = 0;
    for (const s of r.steps) {
      expect(s.j![0]).toBeGreaterThanOrEqual(last);
      expect(s.j![1]).toBeGreaterThanOrEqual(s.j![0]);
      expect(s.tableJ![0]).toBeGreaterThanOrEqual(s.j![1]);
      last = s.tableJ![1];
    }
    expect(r.listingsJ![0]).toBeGreaterThanOrEqual(last);
  }, 180_000);

  it('sends, half-closes either side, closes after a shut, and leaves a silent server in SYN_RECV', async () => {
    const r = await guest.session.runCase(lifecycle, { timeoutMs: 120_000 });
    for (const [i, s] of r.steps.entries()) if (i !== 18) expect(s.error, `event ${i}`).toBeUndefined();
    expect(r.steps[18]!.error?.name).toBe('ENOENT'); // no such sysctl
    expect(r.steps[15]!.dest).toBe('10.5.0.1:80');
    const conns = r.listings.conns;
    expect(state(conns, '10.1.0.1:40001')).toBe('CLOSE_WAIT');
    expect(state(conns, '10.1.0.2:40002')).toBe('TIME_WAIT');
    expect(state(conns, '10.1.0.3:40003')).toBe('CLOSE');
    expect(state(conns, '10.1.0.4:40004')).toBe('SYN_RECV');
    // Every connection is inactive but the silent one (SYN_RECV counts as active).
    const quiet = r.steps[15]!.table!.find((x) => x.svc === QUIET)!.dests[0]!;
    expect(quiet).toMatchObject({ active: 1, inactive: 0 });
  }, 180_000);

  it('waits ten minutes of guest time in seconds of wall time, and IPVS expires what it holds', async () => {
    const t0 = performance.now();
    const r = await guest.session.runCase({ version: 1, events: [...lifecycle.events.slice(0, 3), { op: 'wait', ms: 600_000 }] }, { timeoutMs: 120_000 });
    const wallMs = performance.now() - t0;
    const [start, end] = r.steps[3]!.j!;
    expect(end - start).toBeGreaterThanOrEqual(600 * 250);
    expect(wallMs).toBeLessThan(30_000);
    expect(state(r.listings.conns, '10.1.0.1:40001')).toBe('ESTABLISHED'); // 15 min
    console.log(`wait 600 s of guest time (${end - start} jiffies): ${(wallMs / 1000).toFixed(2)} s wall for the case`);
  }, 180_000);
});
