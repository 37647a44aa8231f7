// The one table that picks the model's rules by exact kernel version (src/model/semantics.ts).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { semanticsForVersion } from '../../src/model/semantics.js';

const at = (s: string) => {
  const [major, minor, patch] = s.split('.').map(Number) as [number, number, number];
  return semanticsForVersion({ major, minor, patch, from: 'test' });
};

describe('semantics by exact version', () => {
  it('6.1: the totalconns rules from stable 6.1.183 (Debian 6.1.187-1) on', () => {
    expect(at('6.1.176').semantics).toBe('6.1');
    expect(at('6.1.182').semantics).toBe('6.1');
    expect(at('6.1.183').semantics).toBe('6.12');
    expect(at('6.1.192').semantics).toBe('6.12');
    expect(at('6.1.192').why).toBe('6.1.192 (test): stable 6.1.183 backported "ipvs: add totalconns for dest" and "ipvs: properly update the overload flag on dest edit" (in Debian from 6.1.187-1)');
  });
  it('6.12: from stable 6.12.104 on', () => {
    expect(at('6.12.0').semantics).toBe('6.1');
    expect(at('6.12.103').semantics).toBe('6.1');
    expect(at('6.12.104').semantics).toBe('6.12');
    expect(at('6.12.117').semantics).toBe('6.12');
  });
  it('mainline releases up to 6.12 predate the change', () => {
    expect(at('6.6.0').semantics).toBe('6.1');
    expect(at('6.12.0').semantics).toBe('6.1');
  });
  it('an unknown stream or a later mainline is an error that names --semantics', () => {
    for (const s of ['6.6.58', '6.13.0', '7.0.0', '5.10.0', '6.10.14']) {
      expect(() => at(s)).toThrow(UsageError);
      expect(() => at(s)).toThrow(/--semantics 6\.1 \(cost \(active<<8\)\+inactive.*--semantics 6\.12/);
    }
  });
});

