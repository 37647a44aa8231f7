// Hand-written cases for the ipvsadm surface (issue 11): each pins one capability on the real
// kernel (surface.slow.test.ts) and through the model.
import type { Observation } from '../../src/observation.js';
import type { Event, Scenario } from '../../src/scenario.js';

const dest = (svc: string, d: string, weight = 1): Event => ({ op: 'dest-add', svc, dest: d, weight, upper: 0, lower: 0 });
let port = 41000;
const connect = (conn: string, svc: string, client: string): Event => ({ op: 'connect', conn, svc, client, cport: port++ });

/** Several services of every key kind side by side; traffic on two TCP ones; edits and a delete. */
export const severalServices: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    { op: 'svc-add', svc: 'udp/10.0.0.1:80', scheduler: 'wlc', ops: true },
    { op: 'svc-add', svc: 'fwm/5', scheduler: 'sh', flags: ['sh-port'], persistent: 60, netmask: '255.255.255.0' },
    { op: 'svc-add', svc: '10.0.0.3:8080', scheduler: 'wrr' },
    { op: 'svc-add', svc: 'fwm/300', scheduler: 'lc' },
    { op: 'svc-add', svc: 'udp/10.0.0.3:53', scheduler: 'dh', persistent: 30 },
    dest('10.0.0.1:80', '10.2.0.1:80'),
    dest('10.0.0.1:80', '10.2.0.2:80'),
    dest('udp/10.0.0.1:80', '10.2.0.1:80', 3),
    dest('fwm/5', '10.2.0.5:0'),
    dest('fwm/5', '10.2.0.6:80', 2),
    dest('10.0.0.3:8080', '10.2.1.1:8080', 2),
    dest('10.0.0.3:8080', '10.2.1.2:8080', 1),
    connect('c1', '10.0.0.1:80', '10.1.0.1'),
    connect('c2', '10.0.0.3:8080', '10.1.0.2'),
    connect('c3', '10.0.0.1:80', '10.1.0.3'),
    connect('c4', '10.0.0.3:8080', '10.1.0.4'),
    { op: 'svc-edit', svc: 'udp/10.0.0.1:80', scheduler: 'rr' },
    { op: 'svc-edit', svc: '10.0.0.1:80', scheduler: 'wrr', persistent: 300 },
    connect('c5', '10.0.0.1:80', '10.1.0.5'),
    { op: 'fin', conn: 'c1' },
    { op: 'svc-del', svc: '10.0.0.3:8080' },
    { op: 'svc-add', svc: '10.0.0.3:8080', scheduler: 'lc' },
    dest('10.0.0.3:8080', '10.2.1.2:8080', 1),
    { op: 'svc-del', svc: 'fwm/300' },
    { op: 'svc-del', svc: 'fwm/300' },
    connect('c6', '10.0.0.3:8080', '10.1.0.6'),
  ],
};

/** UDP: entries count as inactive, `send` reuses the entry, persistence, the UDP timeout, -o. */
export const udp: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: 'udp/10.0.0.1:53', scheduler: 'rr' },
    dest('udp/10.0.0.1:53', '10.2.0.1:53'),
    dest('udp/10.0.0.1:53', '10.2.0.2:5353'),
    dest('udp/10.0.0.1:53', '10.2.0.3:0'),
    { op: 'svc-add', svc: '10.0.0.1:53', scheduler: 'rr' },
    dest('10.0.0.1:53', '10.2.0.9:53'),
    connect('u1', 'udp/10.0.0.1:53', '10.1.0.1'),
    connect('u2', 'udp/10.0.0.1:53', '10.1.0.2'),
    connect('u3', 'udp/10.0.0.1:53', '10.1.0.3'),
    connect('t1', '10.0.0.1:53', '10.1.0.4'),
    { op: 'send', conn: 'u1' },
    { op: 'send', conn: 'u1' },
    { op: 'timeouts', tcp: 0, tcpfin: 0, udp: 100 },
    { op: 'send', conn: 'u2' },
    { op: 'fin', conn: 'u3' },
    { op: 'send', conn: 'u3' },
    { op: 'svc-edit', svc: 'udp/10.0.0.1:53', scheduler: 'rr', ops: true },
    connect('o1', 'udp/10.0.0.1:53', '10.1.0.5'),
    connect('o2', 'udp/10.0.0.1:53', '10.1.0.6'),
    { op: 'send', conn: 'o1' },
    { op: 'send', conn: 'u1' },
    { op: 'dest-del', svc: 'udp/10.0.0.1:53', dest: '10.2.0.2:5353' },
    { op: 'send', conn: 'u2' },
    { op: 'svc-edit', svc: 'udp/10.0.0.1:53', scheduler: 'wlc', persistent: 60, netmask: '255.255.255.0' },
    connect('p1', 'udp/10.0.0.1:53', '10.1.0.7'),
    connect('p2', 'udp/10.0.0.1:53', '10.1.0.8'),
    { op: 'svc-edit', svc: 'udp/10.0.0.1:53', scheduler: 'wlc', persistent: 60, netmask: '255.255.255.0', ops: true },
    connect('p3', 'udp/10.0.0.1:53', '10.1.0.9'),
    { op: 'send', conn: 'p3' },
    connect('n1', 'udp/10.0.0.9:53', '10.1.0.10'),
    { op: 'svc-del', svc: 'udp/10.0.0.1:53' },
    { op: 'send', conn: 'p1' },
  ],
};

/**
 * fwmark services: many addresses behind one mark (dh hashes each), TCP and UDP alike, a
 * persistent one (templates per mark, the packet's port kept), marks before addresses.
 */
export const fwmark: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: 'fwm/1', scheduler: 'dh' },
    dest('fwm/1', '10.2.0.1:80'),
    dest('fwm/1', '10.2.0.2:80'),
    dest('fwm/1', '10.2.0.3:0'),
    { op: 'svc-add', svc: 'fwm/2', scheduler: 'sh', persistent: 60, netmask: '255.255.255.0' },
    dest('fwm/2', '10.2.1.1:80'),
    dest('fwm/2', '10.2.1.2:8080', 2),
    { op: 'svc-add', svc: '10.0.3.7:80', scheduler: 'rr' },
    dest('10.0.3.7:80', '10.2.3.1:80'),
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    dest('10.0.0.1:80', '10.2.9.1:80'),
    connect('a1', '10.0.1.5:80', '10.1.0.1'),
    connect('a2', '10.0.1.77:80', '10.1.0.1'),
    connect('a3', '10.0.1.200:443', '10.1.0.2'),
    connect('a4', 'udp/10.0.1.9:53', '10.1.0.3'),
    connect('a5', '10.0.1.31:80', '10.1.0.4'),
    connect('a6', '10.0.1.130:80', '10.1.0.4'),
    connect('b1', 'udp/10.0.2.7:53', '10.1.0.5'),
    connect('b2', '10.0.2.8:80', '10.1.0.5'),
    connect('b3', '10.0.2.9:8080', '10.1.0.6'),
    connect('b4', '10.0.2.10:80', '10.1.5.6'),
    { op: 'send', conn: 'b1' },
    { op: 'send', conn: 'a4' },
    connect('c1', '10.0.3.7:80', '10.1.0.7'),
    connect('n1', '10.0.0.1:80', '10.1.0.8'),
    { op: 'svc-add', svc: 'fwm/3', scheduler: 'rr' },
    dest('fwm/3', '10.2.3.2:80'),
    connect('c2', '10.0.3.7:80', '10.1.0.9'),
    { op: 'fin', conn: 'a1' },
    { op: 'svc-edit', svc: 'fwm/1', scheduler: 'lblc' },
    connect('a7', '10.0.1.5:80', '10.1.0.10'),
    connect('a8', '10.0.1.6:80', '10.1.0.10'),
    { op: 'svc-edit', svc: 'fwm/2', scheduler: 'sh', ops: true, persistent: 60, netmask: '255.255.255.0' },
    connect('b5', 'udp/10.0.2.11:53', '10.1.0.11'),
    { op: 'svc-del', svc: 'fwm/1' },
    connect('a9', '10.0.1.5:80', '10.1.0.12'),
    { op: 'svc-del', svc: 'fwm/3' },
    connect('c3', '10.0.3.7:80', '10.1.0.13'),
  ],
};

/** UDP over IPv6, and a fwm6 service taking TCP and UDP to many addresses of 2001:db8:0:4::/64. */
export const ipv6: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: 'udp/[2001:db8::1]:53', scheduler: 'rr' },
    dest('udp/[2001:db8::1]:53', '[2001:db8:2::1]:53'),
    dest('udp/[2001:db8::1]:53', '[2001:db8:2::2]:0'),
    { op: 'svc-add', svc: 'fwm6/4', scheduler: 'sh' },
    dest('fwm6/4', '[2001:db8:2::41]:80'),
    dest('fwm6/4', '[2001:db8:2::42]:0'),
    connect('v1', 'udp/[2001:db8::1]:53', '2001:db8:1::1'),
    connect('v2', 'udp/[2001:db8::1]:53', '2001:db8:1::2'),
    { op: 'send', conn: 'v1' },
    connect('m1', '[2001:db8:0:4::7]:80', '2001:db8:1::3'),
    connect('m2', 'udp/[2001:db8:0:4::8]:53', '2001:db8:1::4'),
    connect('m3', '[2001:db8:0:4::9]:443', '2001:db8:1::5'),
    { op: 'send', conn: 'm2' },
  ],
};

export const SURFACE_CASES: Record<string, Scenario> = { severalServices, udp, fwmark, ipv6 };

const destsOf = (o: Observation, s: Scenario, names: string[]) =>
  s.events.flatMap((e, i) => (e.op === 'connect' && names.includes(e.conn) ? [o.steps[i]!.dest] : []));
const rowOf = (o: Observation, i: number, svc: string) => o.steps[i]!.table!.find((r) => r.svc === svc);

/** What each case must show on the kernel, so an agreement cannot be an empty one. */
export const SURFACE_FACTS: Record<string, (k: Observation, s: Scenario) => void> = {
  severalServices: (k) => {
    if (!k.listings!.list.includes('UDP  10.0.0.1:80 rr\n')) throw new Error('no UDP service in the listing');
    if (!k.listings!.list.includes('FWM  5 sh (sh-port) persistent 60 mask 255.255.255.0\n')) throw new Error('no fwmark service in the listing');
  },
  udp: (k, s) => {
    if (destsOf(k, s, ['u1', 'u2', 'u3']).some((d) => !d)) throw new Error('a UDP connect reached no server');
    const after = rowOf(k, 8, 'udp/10.0.0.1:53')!.dests;
    if (after.some((d) => d.active !== 0) || after.reduce((n, d) => n + d.inactive, 0) !== 3) throw new Error(`UDP entries must count as inactive: ${JSON.stringify(after)}`);
    if (!k.listings!.conns.includes('UDP         10.1.0.1:')) throw new Error('no UDP entry in the -c listing');
  },
  ipv6: (k, s) => {
    if (destsOf(k, s, ['v1', 'v2', 'm1', 'm2', 'm3']).some((d) => !d)) throw new Error('an IPv6 connection reached no server');
    if (!k.listings!.list.includes('FWM  4 IPv6 sh\n')) throw new Error('no fwm6 service in the listing');
  },
  fwmark: (k, s) => {
    if (new Set(destsOf(k, s, ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'])).size < 3) throw new Error('dh behind one mark used fewer than 3 servers');
    if (!/^IP  .* 0\.0\.0\.2:0 /m.test(k.listings!.conns)) throw new Error('no fwmark template in the -c listing');
    if (destsOf(k, s, ['a9'])[0] !== null) throw new Error('a deleted fwmark service still took traffic');
    if (!k.listings!.list.includes('FWM  2 sh persistent 60 mask 255.255.255.0 ops\n')) throw new Error('no fwmark service with ops in the listing');
  },
};
