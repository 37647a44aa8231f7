import { describe, expect, it } from 'vitest';
import { countKinds, scenarioKinds } from '../../src/generate/kinds.js';
import { drawnLines } from '../../src/report/table.js';
import type { Scenario } from '../../src/scenario.js';

const s: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    { op: 'svc-add', svc: 'udp/10.0.0.1:53', scheduler: 'sh', ops: true, persistent: 60, netmask: '255.255.255.0' },
    { op: 'svc-add', svc: 'fwm/2', scheduler: 'dh' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'dest-del', svc: '10.0.0.1:80', dest: '10.2.0.1:80' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'svc-edit', svc: '10.0.0.1:80', scheduler: 'wrr', persistent: 30 },
    { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 1000 },
    { op: 'connect', conn: 'c2', svc: 'udp/10.0.2.9:53', client: '10.1.0.1', cport: 1001 },
    { op: 'send', conn: 'c2' },
    { op: 'svc-del', svc: 'fwm/2' },
    { op: 'svc-add', svc: 'fwm/2', scheduler: 'dh' },
  ],
};

describe('scenarioKinds', () => {
  it('names the service, edit, delete and traffic kinds a case drew', () => {
    expect(scenarioKinds(s)).toEqual([
      'connect:fwm-udp', 'connect:tcp', 'dest-add', 'dest-add:restore', 'dest-del', 'netmask', 'ops:udp', 'persistent', 'persistent:udp',
      'sched:dh', 'sched:rr', 'sched:sh', 'send:udp', 'services:3', 'svc-del', 'svc-edit:persist-on', 'svc-edit:sched', 'svc-readd',
      'svc:fwm', 'svc:tcp', 'svc:udp', 'switch-to:wrr',
    ]);
  });

  it('counts cases per kind and prints them grouped', () => {
    const drawn = countKinds([['svc:tcp', 'fin'], ['svc:tcp', 'svc:udp'], undefined]);
    expect(drawn).toEqual({ fin: 1, 'svc:tcp': 2, 'svc:udp': 1 });
    expect(drawnLines(drawn, 3)).toBe('drawn (cases of 3 that drew each kind):\n  events: fin 1\n  svc: tcp 2, udp 1');
  });
});
