// Route (DR) and Tunnel (ipip) destinations on the real 6.1 and 6.12 kernels (TCG), beside
// masquerading: the kernel and the model agree, the servers reached through DR and the tunnel are
// the ones the director's entries name, their connections close to FIN_WAIT (INPUT-ONLY), and an
// edit of a destination's method reaches new connections only.
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { makeOracle } from '../../src/judge/oracle.js';
import type { DestFields, Event, Scenario } from '../../src/scenario.js';

const SVC = '10.0.0.1:80';
const dest = (d: string, f: Partial<DestFields> = {}): Event => ({ op: 'dest-add', svc: SVC, dest: d, weight: 1, upper: 0, lower: 0, ...f });
const edit = (d: string, f: Partial<DestFields> = {}): Event => ({ op: 'dest-edit', svc: SVC, dest: d, weight: 1, upper: 0, lower: 0, ...f });
const connect = (n: number): Event => ({ op: 'connect', conn: `c${n}`, svc: SVC, client: `10.1.0.${n}`, cport: 40000 + n });
const fin = (n: number): Event => ({ op: 'fin', conn: `c${n}` });

/** rr, newest first: c1 masq (port 81), c2 tunnel (port 8080, kept by the kernel), c3 DR. */
const forwarding: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: SVC, scheduler: 'rr' },
    dest('10.2.0.1:80', { fwd: 'route' }),
    dest('10.2.0.2:8080', { fwd: 'tunnel' }),
    dest('10.2.0.3:81'),
    connect(1),
    connect(2),
    connect(3),
    fin(1),
    fin(2),
    fin(3),
    // the method edited both ways under open connections
    connect(4),
    connect(5),
    connect(6),
    edit('10.2.0.3:81', { fwd: 'route' }),
    edit('10.2.0.1:80'),
    fin(4),
    fin(6),
    connect(7),
    connect(8),
    connect(9),
    { op: 'rst', conn: 'c8' },
    // half-closes and data: the server's never reach the director of a DR connection (c7)
    { op: 'shut', conn: 'c7', side: 'server' },
    { op: 'send', conn: 'c7' },
    { op: 'shut', conn: 'c9', side: 'client' },
    { op: 'send', conn: 'c9' },
    // a tunnel connection whose dest is gone: IPVS drops its FIN
    { op: 'dest-del', svc: SVC, dest: '10.2.0.2:8080' },
    fin(5),
  ],
};

const opened: QemuBackend[] = [];
afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
});

/** `-c` rows' states by client, e.g. { '10.1.0.1:40001': 'TIME_WAIT' }. */
function states(conns: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (conns ?? '').split('\n').slice(2)) {
    const t = line.trim().split(/\s+/);
    if (t.length >= 6) out[t[3]!] = t[2]!;
  }
  return out;
}

describe.each([
  ['6.1', '6.1'],
  ['6.12', '6.12'],
] as const)('Route and Tunnel forwarding on the real %s kernel', (kernel, semantics) => {
  const backend = createQemuBackend({ kernel, jobs: 1 });
  opened.push(backend);

  it('agrees with the model, reaches the DR and tunnel servers, and closes them by INPUT-ONLY', async () => {
    await backend.start();
    const judged = await makeOracle(backend, semantics)(forwarding);
    expect(judged.verdict).toEqual({ kind: 'agree' });
    const k = judged.kernel!;
    expect([4, 5, 6].map((i) => k.steps[i]!.dest)).toEqual(['10.2.0.3:81', '10.2.0.2:8080', '10.2.0.1:80']);
    expect(k.steps[3]!.table![0]!.dests.map((d) => d.fwd)).toEqual(['Masq', 'Tunnel', 'Route']);
    expect(k.steps.at(-1)!.error?.name).toBe('ETIMEDOUT');
    expect(states(k.listings?.conns)).toMatchObject({
      '10.1.0.1:40001': 'TIME_WAIT',
      '10.1.0.2:40002': 'FIN_WAIT',
      '10.1.0.3:40003': 'FIN_WAIT',
      '10.1.0.4:40004': 'TIME_WAIT', // masquerading when it opened, DR when it closed
      '10.1.0.6:40006': 'FIN_WAIT', // DR when it opened, masquerading when it closed
      '10.1.0.8:40008': 'CLOSE',
      '10.1.0.7:40007': 'ESTABLISHED', // DR: the server's FIN went straight to the client
      '10.1.0.9:40009': 'CLOSE_WAIT', // masquerading: the client's FIN
    });
    expect(k.listings?.list).toMatch(/-> 10\.2\.0\.3:81 {18}Route {3}1 /);
  }, 300_000);
});
