// IPv6 services on the real 6.1 and 6.12 kernels (TCG): the kernel and the model agree on a case
// with the three forwarding methods, a refusal (no destination), persistence by /64, the folded
// hashes of sh and mh, lblc, a prefix length and a destination family the kernel refuses; the
// listings are ipvsadm 1.31's IPv6 forms.
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { makeOracle } from '../../src/judge/oracle.js';
import type { DestFields, Event, Scenario } from '../../src/scenario.js';

const add = (svc: string, dest: string, f: Partial<DestFields> = {}): Event => ({ op: 'dest-add', svc, dest, weight: 1, upper: 0, lower: 0, ...f });
let n = 0;
const connect = (svc: string, client: string): Event => ({ op: 'connect', conn: `c${++n}`, svc, client, cport: 41000 + n });

const A = '[2001:db8::1]:80';
const P = '[2001:db8::2]:80';
const H = '[2001:db8::3]:80';
const ipv6: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: A, scheduler: 'rr' },
    add(A, '[2001:db8:2::1]:80'),
    add(A, '[2001:db8:2::2]:8080', { fwd: 'route' }),
    add(A, '[2001:db8:2::3]:80', { fwd: 'tunnel' }),
    connect(A, '2001:db8:1::1'),
    connect(A, '2001:db8:1::2'),
    connect(A, '2001:db8:1::3'),
    { op: 'fin', conn: 'c1' },
    { op: 'fin', conn: 'c2' },
    { op: 'rst', conn: 'c3' },
    connect('[2001:db8::9]:80', '2001:db8:1::4'), // no service: the director's own TCP refuses
    { op: 'svc-add', svc: P, scheduler: 'sh', persistent: 60, netmask: '64' },
    connect(P, '2001:db8:1::5'), // no destination yet: ICMPv6 port unreachable
    add(P, '[2001:db8:2::a]:80'),
    add(P, '[2001:db8:2::b]:80'),
    add(P, '[2001:db8:2::c]:80', { weight: 2 }),
    connect(P, '2001:db8:1::6'),
    connect(P, '2001:db8:1:0:1::7'),
    connect(P, '2001:db8:1:1::8'),
    connect(P, '2001:db8:1:2::9'),
    { op: 'svc-edit', svc: P, scheduler: 'mh', persistent: 60, netmask: '0' }, // EINVAL
    { op: 'svc-edit', svc: P, scheduler: 'mh' },
    connect(P, '2001:db8:1:3::a'),
    connect(P, '2001:db8:1:4::b'),
    { op: 'svc-add', svc: H, scheduler: 'lblc' },
    add(H, '10.2.0.1:80'), // the other family, not a tunnel: EINVAL
    add(H, '[2001:db8:2::1]:80'),
    add(H, '[2001:db8:2::5]:80', { weight: 3 }),
    connect(H, '2001:db8:1::c'),
    connect(H, '2001:db8:1::d'),
  ],
};

const opened: QemuBackend[] = [];
afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
});

describe.each([
  ['6.1', '6.1'],
  ['6.12', '6.12'],
] as const)('IPv6 services on the real %s kernel', (kernel, semantics) => {
  const backend = createQemuBackend({ kernel, jobs: 1 });
  opened.push(backend);

  it('agrees with the model, event by event and in the listings', async () => {
    await backend.start();
    const judged = await makeOracle(backend, semantics)(ipv6);
    expect(judged.verdict).toEqual({ kind: 'agree' });
    const k = judged.kernel!;
    expect(k.steps.slice(4, 7).map((s) => s.dest)).toEqual(['[2001:db8:2::3]:80', '[2001:db8:2::2]:8080', '[2001:db8:2::1]:80']);
    expect([k.steps[10]!.dest, k.steps[12]!.dest]).toEqual([null, null]);
    expect([k.steps[20]!.error?.name, k.steps[25]!.error?.name]).toEqual(['EINVAL', 'EINVAL']);
    expect(k.steps[19]!.table!.find((r) => r.svc === P)).toMatchObject({ scheduler: 'sh', persistent: 60, netmask: '64' });
    expect(k.listings?.list).toContain('TCP  [2001:db8::2]:80 mh\n'); // the edit sent no persistence: it is off
    expect(k.listings?.list).toContain('  -> [2001:db8:2::2]:8080         Route   1      0          1         \n');
    expect(k.listings?.conns).toMatch(/ASSURED {5}\[2001:db8:1::\]:0 {3}\[2001:db8::2\]:80 /);
  }, 300_000);
});
