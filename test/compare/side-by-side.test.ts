import { describe, expect, it } from 'vitest';
import { sideBySide } from '../../src/compare/side-by-side.js';
import { connSetText, parseConnRows } from '../../src/compare/conns.js';
import { tableText } from '../../src/compare/tables.js';

describe('sideBySide', () => {
  it('aligns equal, changed, removed and added lines', () => {
    const out = sideBySide('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(out.split('\n')).toEqual(['  model | kernel', '  ----- | ------', '  a     | a', '~ b     | B', '  c     | c', '+       | d']);
    expect(sideBySide('x\ny\n', 'x\n').split('\n').at(-1)).toBe('- y     |');
  });
});

describe('conns', () => {
  it('parses ipvsadm -L -n -c rows and drops the expiry', () => {
    const text = 'IPVS connection entries\npro expire state       source             virtual            destination\nTCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.2:80\nTCP 04:59  NONE        10.1.0.0:0         10.0.0.1:80        10.2.0.2:80\n';
    expect(parseConnRows(text)).toEqual([
      { proto: 'TCP', state: 'ESTABLISHED', source: '10.1.0.1:40000', virtual: '10.0.0.1:80', dest: '10.2.0.2:80' },
      { proto: 'TCP', state: 'NONE', source: '10.1.0.0:0', virtual: '10.0.0.1:80', dest: '10.2.0.2:80' },
    ]);
    expect(connSetText(text)).toBe('TCP ESTABLISHED 10.1.0.1:40000 10.0.0.1:80 10.2.0.2:80\nTCP NONE 10.1.0.0:0 10.0.0.1:80 10.2.0.2:80\n');
    expect(connSetText('IPVS connection entries\n')).toBe('(no connections)\n');
  });
});

describe('tableText', () => {
  it('shows the netmask only for persistent services', () => {
    const s = { svc: '10.0.0.1:80', scheduler: 'sh', flags: ['sh-port', 'sh-fallback'], netmask: '255.255.255.255', dests: [] };
    expect(tableText([s])).toBe('10.0.0.1:80 sh flags=sh-fallback,sh-port p=- M=-\n');
    expect(tableText([{ ...s, persistent: 300 }])).toBe('10.0.0.1:80 sh flags=sh-fallback,sh-port p=300 M=255.255.255.255\n');
    expect(tableText(undefined)).toBe('(no table)\n');
  });
});
