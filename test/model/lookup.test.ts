// ip_vs_service_find() as the model does it: fwmark services first, then protocol/address/port,
// the FTP service for unprivileged ports, the port-zero catch-all.
import { describe, expect, it } from 'vitest';
import { svcAdd, svcDel } from '../../src/model/config.js';
import { findService, target } from '../../src/model/lookup.js';
import { rulesFor } from '../../src/model/semantics.js';
import { newState } from '../../src/model/state.js';

function state(...keys: string[]) {
  const st = newState('6.1', rulesFor('6.1'));
  for (const k of keys) expect(svcAdd(st, k, { scheduler: 'rr' })).toBeUndefined();
  return st;
}
const found = (st: ReturnType<typeof state>, t: string) => findService(st, target(t))?.key;

describe('findService', () => {
  it('a marked packet goes to its fwmark service before an address service on the same address', () => {
    const st = state('10.0.5.7:80', 'fwm/5');
    expect(found(st, '10.0.5.7:80')).toBe('fwm/5');
    expect(found(st, 'udp/10.0.5.9:53')).toBe('fwm/5');
    expect(svcDel(st, 'fwm/5')).toBeUndefined();
    expect(found(st, '10.0.5.7:80')).toBe('10.0.5.7:80');
  });

  it('protocol is part of the key; 10.0.0.x is unmarked', () => {
    const st = state('10.0.0.1:80', 'fwm/1');
    expect(found(st, '10.0.0.1:80')).toBe('10.0.0.1:80');
    expect(found(st, 'udp/10.0.0.1:80')).toBeUndefined();
  });

  it('the FTP service takes unprivileged and FTP-data TCP ports; port zero takes the rest', () => {
    const st = state('10.0.0.1:21', 'udp/10.0.0.1:0');
    expect(found(st, '10.0.0.1:4000')).toBe('10.0.0.1:21');
    expect(found(st, '10.0.0.1:20')).toBe('10.0.0.1:21');
    expect(found(st, '10.0.0.1:443')).toBeUndefined();
    expect(found(st, 'udp/10.0.0.1:53')).toBe('udp/10.0.0.1:0');
  });
});
