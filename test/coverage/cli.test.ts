import { describe, expect, it } from 'vitest';
import { checkCoverageBackend, coverageDir } from '../../src/coverage/cli.js';
import { checkGuided } from '../../src/coverage/guided-cli.js';

describe('coverage options', () => {
  it('refuse what cannot work, saying how to fix it', () => {
    expect(() => checkCoverageBackend(true, 'docker')).toThrow(/Expected `--coverage` with the qemu backend, got `--backend docker`.*Fix/);
    expect(() => checkCoverageBackend(true, 'qemu')).not.toThrow();
    expect(() => checkCoverageBackend(undefined, 'docker')).not.toThrow();
    expect(() => checkGuided({ guided: true })).toThrow(/Expected `--coverage` with `--guided`/);
    expect(() => checkGuided({ corpus: 'c' })).toThrow(/Expected `--guided` with `--corpus`/);
    expect(() => checkGuided({ coverage: true, guided: true, shard: '0/2' })).toThrow(/no `--shard`/);
    expect(() => checkGuided({ coverage: true, guided: true, case: '3' })).toThrow(/no `--case`/);
    expect(() => checkGuided({ coverage: true, guided: true, corpus: 'c' })).not.toThrow();
  });

  it('put one kernel in REPORT/coverage, several in REPORT/coverage/<kernel>', () => {
    expect(coverageDir('/r', '6.1', false)).toBe('/r/coverage');
    expect(coverageDir('/r', '6.12', true)).toBe('/r/coverage/6.12');
  });
});
