// Hand-written cases for the ipvsadm surface (issue 11): each pins one capability on the real
// kernel (surface.slow.test.ts) and through the model.
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

export const SURFACE_CASES: Record<string, Scenario> = { severalServices };
