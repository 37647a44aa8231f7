// ipvsadm 1.31's printf formats (ipvsadm.c print_title, print_service_entry, print_conn), checked
// byte for byte against expected text written from those formats; the same text came back from a
// real 6.1 guest for the golden cases (see the report in the MODEL commit log).
import { describe, expect, it } from 'vitest';
import { renderConns, renderListings, renderServices } from '../../src/listings/render.js';
import type { ServiceRow } from '../../src/observation.js';

const d = (dest: string, f: Partial<ServiceRow['dests'][number]> = {}) => ({
  dest, fwd: 'Masq', weight: 1, upper: 0, lower: 0, active: 0, inactive: 0, persistent: 0, ...f,
});

const TABLE: ServiceRow[] = [
  { svc: '10.0.0.1:80', scheduler: 'sh', flags: ['sh-fallback', 'sh-port'], persistent: 300, netmask: '255.255.255.0', dests: [d('10.2.0.3:80', { weight: 5, upper: 50, lower: 20, active: 12, inactive: 3, persistent: 2 }), d('10.2.0.13:8080')] },
  { svc: '10.0.0.1:21', scheduler: 'rr', flags: [], dests: [] },
];

describe('renderServices', () => {
  it('-L -n: header, title, services and dests sorted, trailing padding kept', () => {
    expect(renderServices(TABLE, 'list')).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n' +
        'Prot LocalAddress:Port Scheduler Flags\n' +
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
        'TCP  10.0.0.1:21 rr\n' +
        'TCP  10.0.0.1:80 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0\n' +
        '  -> 10.2.0.3:80                  Masq    5      12         3         \n' +
        '  -> 10.2.0.13:8080               Masq    1      0          0         \n',
    );
  });

  it('UDP and fwmark services, ops, in ipvs_cmp_services order (fwmark, protocol, address, port)', () => {
    const rows: ServiceRow[] = [
      { svc: 'fwm/300', scheduler: 'lc', flags: [], dests: [] },
      { svc: 'udp/10.0.0.1:53', scheduler: 'rr', flags: [], ops: true, dests: [] },
      { svc: 'fwm/5', scheduler: 'sh', flags: ['sh-port'], persistent: 60, netmask: '255.255.255.0', dests: [d('10.2.0.5:0')] },
      { svc: '10.0.0.3:80', scheduler: 'wrr', flags: [], dests: [] },
    ];
    expect(renderServices(rows, 'list').split('\n').slice(3)).toEqual([
      'TCP  10.0.0.3:80 wrr',
      'UDP  10.0.0.1:53 rr ops',
      'FWM  5 sh (sh-port) persistent 60 mask 255.255.255.0',
      '  -> 10.2.0.5:0                   Masq    1      0          0         ',
      'FWM  300 lc',
      '',
    ]);
  });

  it('--thresholds and --persistent-conn', () => {
    const th = renderServices([TABLE[0]!], 'thresholds').split('\n');
    expect(th[1]).toBe('Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ');
    expect(th[2]).toBe('  -> RemoteAddress:Port');
    expect(th[4]).toBe('  -> 10.2.0.3:80                  50         20         12         3         ');
    const pc = renderServices([TABLE[0]!], 'persistent').split('\n');
    expect(pc[1]).toBe('Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ');
    expect(pc[4]).toBe('  -> 10.2.0.3:80                  5         2           12         3         ');
  });

  it('flags by scheduler name (print_sched_flags): flag-N for others, mask omitted at /32', () => {
    const out = renderServices([{ svc: '10.0.0.1:80', scheduler: 'rr', flags: ['flag-3', 'flag-1'], persistent: 60, netmask: '255.255.255.255', dests: [] }], 'list');
    expect(out.split('\n')[3]).toBe('TCP  10.0.0.1:80 rr (flag-1,flag-3) persistent 60');
  });

  it('sorts with the wrapping int comparator: 10.x after 200.x', () => {
    const out = renderServices([{ svc: '10.0.0.1:80', scheduler: 'rr', flags: [], dests: [d('10.2.0.1:80'), d('200.2.0.1:80'), d('10.2.0.1:79')] }], 'list');
    expect(out.split('\n').slice(4, 7).map((l) => l.split(/\s+/)[2])).toEqual(['200.2.0.1:80', '10.2.0.1:79', '10.2.0.1:80']);
  });
});

describe('renderConns', () => {
  it('-c: mm:ss expiry, padded columns', () => {
    const out = renderConns([{ row: { proto: 'TCP', state: 'ESTABLISHED', source: '10.1.0.1:40000', virtual: '10.0.0.1:80', dest: '10.2.0.1:80' }, expires: 899 }]);
    expect(out).toBe(
      'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination\n' +
        'TCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.1:80\n',
    );
  });

  it('renderListings gives all four', () => {
    const l = renderListings(TABLE, []);
    expect(Object.keys(l)).toEqual(['list', 'thresholds', 'persistent', 'conns']);
  });
});

describe('IPv6 (ipvsadm 1.31 as a real 6.1 guest printed it)', () => {
  it('[addr]:port names are never cut, mask %i unless 128, FWM .. IPv6, v4 before v6', () => {
    const rows: ServiceRow[] = [
      { svc: '[2001:db8::2]:80', scheduler: 'sh', flags: [], persistent: 60, netmask: '64', dests: [d('[2001:db8:2::c]:80', { weight: 2, active: 2 }), d('[2001:db8:2::a]:80', { active: 2 })] },
      { svc: 'fwm6/7', scheduler: 'wlc', flags: [], dests: [] },
      { svc: '[2001:db8::1]:80', scheduler: 'rr', flags: [], persistent: 300, netmask: '128', dests: [d('[2001:db8:2::3]:80', { fwd: 'Tunnel', inactive: 1 }), d('[2001:db8:2::2]:8080', { fwd: 'Route', inactive: 1 })] },
      { svc: '10.0.0.1:80', scheduler: 'mh', flags: [], dests: [d('10.2.0.1:80', { active: 1 })] },
    ];
    expect(renderServices(rows, 'list').split('\n').slice(3)).toEqual([
      'TCP  10.0.0.1:80 mh',
      '  -> 10.2.0.1:80                  Masq    1      1          0         ',
      'TCP  [2001:db8::1]:80 rr persistent 300',
      '  -> [2001:db8:2::2]:8080         Route   1      0          1         ',
      '  -> [2001:db8:2::3]:80           Tunnel  1      0          1         ',
      'TCP  [2001:db8::2]:80 sh persistent 60 mask 64',
      '  -> [2001:db8:2::a]:80           Masq    1      2          0         ',
      '  -> [2001:db8:2::c]:80           Masq    2      2          0         ',
      'FWM  7 IPv6 wlc',
      '',
    ]);
  });

  it('a dest name longer than 28 characters runs on (dname[28] cut for IPv4 only)', () => {
    const rows: ServiceRow[] = [{ svc: '[2001:db8::1]:80', scheduler: 'rr', flags: [], dests: [d('[2001:db8:2:0:1234:5678:9abc:def0]:65535')] }];
    expect(renderServices(rows, 'thresholds').split('\n')[4]).toBe('  -> [2001:db8:2:0:1234:5678:9abc:def0]:65535 0          0          0          0         ');
  });

  it('-c rows: IPv6 sources wider than the 18 columns push the next one along', () => {
    const row = { proto: 'TCP', state: 'ASSURED', source: '[2001:db8:1:2::]:0', virtual: '[2001:db8::2]:80', dest: '[2001:db8:2::c]:80' };
    expect(renderConns([{ row, expires: 59 }]).split('\n')[2]).toBe('TCP 00:59  ASSURED     [2001:db8:1:2::]:0 [2001:db8::2]:80   [2001:db8:2::c]:80');
  });
});
