// Listings parsed back into rows: a render → parse round trip keeps every field each listing
// shows, and parseListings merges the three into full rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListingParseError, parseConns, parseListings, parseServices } from '../../src/listings/parse.js';
import { renderConns, renderListings } from '../../src/listings/render.js';
import type { ServiceRow } from '../../src/observation.js';

const u16 = fc.integer({ min: 0, max: 65535 });
const octet = fc.integer({ min: 0, max: 255 });
const ap = fc.tuple(octet, octet, octet, octet, u16).map(([a, b, c, e, p]) => `${a}.${b}.${c}.${e}:${p}`);
const count = fc.integer({ min: 0, max: 100_000 });
const destArb = fc.record({ dest: ap, fwd: fc.constant('Masq'), weight: u16, upper: count, lower: count, active: count, inactive: count, persistent: count });
const svcArb: fc.Arbitrary<ServiceRow> = fc
  .record({
    svc: ap,
    scheduler: fc.constantFrom('rr', 'wlc', 'sh', 'mh', 'hprio'),
    flags: fc.subarray(['flag-1', 'flag-2']),
    p: fc.option(fc.record({ persistent: fc.integer({ min: 1, max: 100_000 }), netmask: fc.constantFrom('255.255.255.255', '255.255.0.0') }), { nil: undefined }),
    dests: fc.uniqueArray(destArb, { selector: (d) => d.dest, maxLength: 6 }),
  })
  .map(({ svc, scheduler, flags, p, dests }) => {
    const names = scheduler === 'sh' || scheduler === 'mh' ? flags.map((f) => (f === 'flag-1' ? `${scheduler}-fallback` : `${scheduler}-port`)) : flags;
    return { svc, scheduler, flags: names.sort(), ...(p ?? {}), dests };
  });

const canonical = (rows: ServiceRow[]) =>
  rows.map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => a.dest.localeCompare(b.dest)) })).sort((a, b) => a.svc.localeCompare(b.svc));

describe('parseListings', () => {
  it('round trip: render then parse gives the same rows', () => {
    fc.assert(
      fc.property(fc.uniqueArray(svcArb, { selector: (s) => s.svc, maxLength: 4 }), (table) => {
        const back = parseListings(renderListings(table, []));
        expect(canonical(back)).toEqual(canonical(table));
      }),
    );
  });

  it('says which line it could not read', () => {
    expect(() => parseServices('IP Virtual Server version 1.2.1 (size=4096)\n  -> 10.2.0.1:80 Masq 1 0 0\n', 'list')).toThrow(ListingParseError);
    expect(() => parseServices('TCP  10.0.0.1:80 rr\n  -> 10.2.0.1:80 Masq 1 0\n', 'list')).toThrow(/line 2/);
  });
});

describe('parseConns', () => {
  it('round trip without the expiry', () => {
    const row = { proto: 'TCP', state: 'TIME_WAIT', source: '10.1.0.7:40001', virtual: '10.0.0.1:80', dest: '10.2.0.2:8080' };
    expect(parseConns(renderConns([{ row, expires: 61 }]))).toEqual([row]);
  });
});

describe('IPv6 listings', () => {
  it('reads [addr]:port services and dests, FWM .. IPv6, and a persistent service without mask as /128', () => {
    const list =
      'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      'TCP  [2001:db8::1]:80 rr persistent 300\n  -> [2001:db8:2::3]:80           Tunnel  1      0          1         \n' +
      'TCP  [2001:db8::2]:80 sh persistent 60 mask 64\nFWM  7 IPv6 wlc\n';
    const rows = parseServices(list, 'list');
    expect(rows.map((r) => [r.svc, r.scheduler, r.netmask])).toEqual([
      ['[2001:db8::1]:80', 'rr', '128'],
      ['[2001:db8::2]:80', 'sh', '64'],
      ['fwm6/7', 'wlc', undefined],
    ]);
    expect(rows[0]!.dests[0]).toMatchObject({ dest: '[2001:db8:2::3]:80', fwd: 'Tunnel', inactive: 1 });
  });
});
