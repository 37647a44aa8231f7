import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDebVersions } from '../../src/kernels/debversion.js';

const pairs: [string, string][] = [
  ['6.1.192-3', '6.1.192-2'],
  ['6.1.192-1', '6.1.190-1'],
  ['6.12.113-1~deb12u1', '6.12.113-1'],
  ['6.12.115-2~deb12u1', '6.12.115-1~deb12u1'],
  ['6.12.117-1~deb12u1', '6.12.95-1~bpo12+1'],
  ['1:1.0-1', '2.0-1'],
  ['1.0a-1', '1.0-1'],
  ['1.0-1', '1.0~rc1-1'],
  ['6.1.170-3', '6.1.170-3'],
];

describe('Debian version order', () => {
  it.each(pairs)('%s vs %s agrees with dpkg --compare-versions', (a, b) => {
    const sign = Math.sign(compareDebVersions(a, b));
    const dpkg = (op: string) => {
      try {
        execFileSync('dpkg', ['--compare-versions', a, op, b]);
        return true;
      } catch {
        return false;
      }
    };
    expect(sign).toBe(dpkg('gt') ? 1 : dpkg('lt') ? -1 : 0);
    expect(Math.sign(compareDebVersions(b, a)) + sign).toBe(0);
  });
});
