import { describe, expect, it } from 'vitest';
import { KeyError, keyText, markOf, parseServiceKey, parseTarget, tryServiceKey } from '../src/service-key.js';

describe('service keys', () => {
  it('parses the three IPv4 forms and prints them back unchanged', () => {
    expect(parseServiceKey('10.0.0.1:80')).toEqual({ kind: 'addr', proto: 'tcp', af: 4, addr: '10.0.0.1', port: 80 });
    expect(parseServiceKey('udp/10.0.0.1:53')).toEqual({ kind: 'addr', proto: 'udp', af: 4, addr: '10.0.0.1', port: 53 });
    expect(parseServiceKey('fwm/5')).toEqual({ kind: 'fwm', af: 4, mark: 5 });
    for (const t of ['10.0.0.1:80', 'udp/10.0.0.1:53', 'fwm/5', 'fwm/4294967295', 'udp/10.0.255.1:0']) expect(keyText(parseServiceKey(t))).toBe(t);
  });

  it('refuses what is not a key, saying what would be', () => {
    for (const t of ['10.0.0.1', '10.0.0.256:80', '10.0.0.1:65536', 'tcp/10.0.0.1:80', 'fwm/0', 'fwm/x', 'fwm/4294967296', '10.0.0.01:80', '10.0.0.1:080', 'udp/fwm/5', '']) {
      expect(() => parseServiceKey(t), t).toThrow(KeyError);
      expect(tryServiceKey(t), t).toBeUndefined();
    }
    for (const t of ['[2001:db8::1]', '2001:db8::1:80', '[2001:db8::g]:80', '[::ffff:10.0.0.1]:80', '[fe80::1%eth0]:80', '[10.0.0.1]:80', 'udp/[2001:db8::1]']) {
      expect(() => parseServiceKey(t), t).toThrow(KeyError);
    }
    expect(() => parseServiceKey('[2001:db8::x]:80')).toThrow(/IPv6 address in brackets/);
  });

  it('parses the IPv6 forms, printing addresses as inet_ntop does (RFC 5952)', () => {
    expect(parseServiceKey('[2001:db8::1]:80')).toEqual({ kind: 'addr', proto: 'tcp', af: 6, addr: '2001:db8::1', port: 80 });
    expect(parseServiceKey('udp/[2001:db8::1]:53')).toEqual({ kind: 'addr', proto: 'udp', af: 6, addr: '2001:db8::1', port: 53 });
    expect(parseServiceKey('fwm6/5')).toEqual({ kind: 'fwm', af: 6, mark: 5 });
    for (const t of ['[2001:db8::1]:80', 'udp/[2001:db8::1]:53', 'fwm6/5', '[2001:db8:0:5::7]:80']) expect(keyText(parseServiceKey(t))).toBe(t);
    // leading zeros, upper case, the first of two equal zero runs compressed
    expect(keyText(parseServiceKey('[2001:0DB8:0000:0000:0001:0000:0000:0001]:80'))).toBe('[2001:db8::1:0:0:1]:80');
  });

  it('a target is a key without fwm', () => {
    expect(parseTarget('udp/10.0.5.7:53')).toEqual({ kind: 'addr', proto: 'udp', af: 4, addr: '10.0.5.7', port: 53 });
    expect(() => parseTarget('fwm/5')).toThrow(KeyError);
  });

  it('marks follow the address plan: 10.0.M.x carries mark M, 10.0.0.x none', () => {
    expect(markOf(parseTarget('10.0.5.7:80'))).toBe(5);
    expect(markOf(parseTarget('udp/10.0.255.1:53'))).toBe(255);
    expect(markOf(parseTarget('10.0.0.1:80'))).toBe(0);
    expect(markOf(parseTarget('10.3.5.1:80'))).toBe(0);
  });

  it('IPv6: 2001:db8:0:M::/64 carries mark M, 2001:db8::/64 none', () => {
    expect(markOf(parseTarget('[2001:db8:0:5::7]:80'))).toBe(5);
    expect(markOf(parseTarget('[2001:db8:0:ff::1]:80'))).toBe(255);
    expect(markOf(parseTarget('[2001:db8::1]:80'))).toBe(0);
    expect(markOf(parseTarget('[2001:db8:0:100::1]:80'))).toBe(0);
    expect(markOf(parseTarget('[2001:db8:1:5::1]:80'))).toBe(0);
  });
});
