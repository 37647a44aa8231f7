// IPv6 services in the model: the kernel's hashing schedulers fold an IPv6 address into one u32
// (the XOR of its four words: ip_vs_sh/dh/lblc/lblcr/mh.c under CONFIG_IP_VS_IPV6), persistence
// masks by prefix length (ipv6_addr_prefix), the prefix length is checked (1..128) on every add and
// edit, and a destination of the other family is refused unless it is a tunnel.
import { describe, expect, it } from 'vitest';
import { idAddrPort, ipInfo, v6PrefixId } from '../../src/model/addr.js';
import { runModel } from '../../src/model/index.js';
import { dhHashkey } from '../../src/model/schedulers/dh.js';
import type { Event, Scenario } from '../../src/scenario.js';

const V = '[2001:db8::1]:80';
const dest = (n: number, extra: Partial<Extract<Event, { op: 'dest-add' }>> = {}): Event => ({ op: 'dest-add', svc: V, dest: `[2001:db8:2::${n}]:80`, weight: 1, upper: 0, lower: 0, ...extra });
const conn = (i: number, client: string): Event => ({ op: 'connect', conn: `c${i}`, svc: V, client, cport: 4000 + i });
const run = (events: Event[]) => runModel({ version: 1, events } satisfies Scenario, { semantics: '6.1' });

describe('IPv6 addresses', () => {
  it('fold to the XOR of their four 32-bit words; ids tell apart addresses that fold alike', () => {
    const a = ipInfo('2001:db8:0:1::2');
    const b = ipInfo('2001:db8:0:2::1');
    expect(a.fold).toBe((0x20010db8 ^ 0x1 ^ 0 ^ 0x2) >>> 0);
    expect(b.fold).toBe(a.fold);
    expect(a.id).not.toBe(b.id);
    expect(ipInfo('2001:0DB8:0:1:0:0:0:2')).toBe(a); // one id per address, whatever its spelling
    expect(dhHashkey(a.fold)).toBe(dhHashkey(b.fold));
  });

  it('a prefix keeps the first plen bits (ipv6_addr_prefix)', () => {
    const c = ipInfo('2001:db8:1:2:3:4:5:6').id;
    expect(idAddrPort(v6PrefixId(c, 64), 0)).toBe('[2001:db8:1:2::]:0');
    expect(idAddrPort(v6PrefixId(c, 52), 0)).toBe('[2001:db8:1::]:0');
    expect(idAddrPort(v6PrefixId(c, 128), 0)).toBe('[2001:db8:1:2:3:4:5:6]:0');
    expect(idAddrPort(v6PrefixId(c, 1), 0)).toBe('[::]:0');
  });
});

describe('IPv6 services', () => {
  it('persistence by /64: clients of one /64 share a template, another /64 schedules anew', () => {
    const obs = run([
      { op: 'svc-add', svc: V, scheduler: 'rr', persistent: 60, netmask: '64' },
      dest(1),
      dest(2),
      conn(1, '2001:db8:1::1'),
      conn(2, '2001:db8:1::ffff:2'),
      conn(3, '2001:db8:1:0:1::3'),
      conn(4, '2001:db8:1:1::4'),
    ]);
    expect(obs.steps.slice(3).map((s) => s.dest)).toEqual(['[2001:db8:2::2]:80', '[2001:db8:2::2]:80', '[2001:db8:2::2]:80', '[2001:db8:2::1]:80']);
    expect(obs.listings!.conns).toContain('ASSURED     [2001:db8:1::]:0   [2001:db8::1]:80   [2001:db8:2::2]:80');
    expect(obs.steps.at(-1)!.table![0]!.netmask).toBe('64');
  });

  it('the prefix length must be 1..128 on add and edit, persistent or not (EINVAL after ENOENT)', () => {
    const obs = run([
      { op: 'svc-add', svc: V, scheduler: 'rr', netmask: '0' },
      { op: 'svc-add', svc: V, scheduler: 'nosuch', netmask: '0' },
      { op: 'svc-add', svc: V, scheduler: 'rr', persistent: 10, netmask: '129' },
      { op: 'svc-add', svc: V, scheduler: 'rr' },
      { op: 'svc-edit', svc: V, scheduler: 'wrr', netmask: '200' },
      { op: 'svc-edit', svc: V, scheduler: 'wrr', persistent: 5 },
    ]);
    expect(obs.steps.map((s) => s.error?.name)).toEqual(['EINVAL', 'ENOENT', 'EINVAL', undefined, 'EINVAL', undefined]);
    expect(obs.steps.at(-1)!.table![0]).toMatchObject({ scheduler: 'wrr', persistent: 5, netmask: '128' });
  });

  it('a destination of the other family is EINVAL unless it is a tunnel (checked before the weight)', () => {
    const obs = run([
      { op: 'svc-add', svc: V, scheduler: 'rr' },
      { op: 'dest-add', svc: V, dest: '10.2.0.1:80', weight: -1, upper: 0, lower: 0 },
      { op: 'dest-add', svc: V, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'route' },
      dest(1, { weight: -1 }),
    ]);
    expect(obs.steps.map((s) => s.error?.name)).toEqual([undefined, 'EINVAL', 'EINVAL', 'ERANGE']);
  });

  it('lblc caches whole addresses: two targets of one fwm6 service that fold alike keep their own entries', () => {
    const svc = 'fwm6/1';
    const events: Event[] = [
      { op: 'svc-add', svc, scheduler: 'lblc' },
      { op: 'dest-add', svc, dest: '[2001:db8:2::1]:80', weight: 1, upper: 0, lower: 0 },
      { op: 'dest-add', svc, dest: '[2001:db8:2::2]:80', weight: 1, upper: 0, lower: 0 },
      // w2 ^ w3 is 1 for both: one fold, two addresses
      { op: 'connect', conn: 'a', svc: '[2001:db8:0:1::1]:80', client: '2001:db8:1::1', cport: 4001 },
      { op: 'connect', conn: 'b', svc: '[2001:db8:0:1:0:1::]:80', client: '2001:db8:1::1', cport: 4002 },
    ];
    expect(ipInfo('2001:db8:0:1::1').fold).toBe(ipInfo('2001:db8:0:1:0:1::').fold);
    const obs = run(events);
    // the second target misses the cache and takes the least loaded, the other dest
    expect(obs.steps.slice(3).map((s) => s.dest)).toEqual(['[2001:db8:2::2]:80', '[2001:db8:2::1]:80']);
  });
});

describe('IPv6 fwmark templates', () => {
  it("name the mark as an IPv6 address whose first word is the mark ({ .ip = htonl(fwmark) }), as the kernel's -c listing shows", () => {
    const obs = run([
      { op: 'svc-add', svc: 'fwm6/2', scheduler: 'rr', persistent: 1 },
      { op: 'dest-add', svc: 'fwm6/2', dest: '[2001:db8:2::26]:80', weight: 1, upper: 0, lower: 0 },
      { op: 'connect', conn: 'c1', svc: '[2001:db8:0:2::fa]:80', client: '2001:db8:1:99::73', cport: 40000 },
    ]);
    expect(obs.listings!.conns).toContain('ASSURED     [2001:db8:1:99::73]:0 [0:2::]:0          [2001:db8:2::26]:0');
  });
});
