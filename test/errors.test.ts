// Why: a model crash was an InfraError (retried, reported as infrastructure, recognised by a
// string), and a guest that did not boot shared exit 3 with a timeout (issue 14).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootError, EXIT, EXIT_PRECEDENCE, InfraError, ModelError, worstExit } from '../src/errors.js';
import { withInfraRetries } from '../src/shrink/retry.js';

describe('error classes', () => {
  it('a model crash is a harness bug of its own (exit 7), not infrastructure, and is never retried', async () => {
    const e = new ModelError('the model failed on this scenario: boom');
    expect(e).not.toBeInstanceOf(InfraError);
    expect(e.exitCode).toBe(EXIT.harness);
    expect(EXIT.harness).toBe(7);
    let n = 0;
    await expect(withInfraRetries(3, async () => { n++; throw e; })).rejects.toBe(e);
    expect(n).toBe(1);
  });

  it('an InfraError whose code merely reads like the model is still retried: retry goes by class', async () => {
    let n = 0;
    await expect(withInfraRetries(3, async () => { n++; throw new InfraError('IPVS_CONFORM_MODEL', 'down'); })).rejects.toThrow('down');
    expect(n).toBe(3);
  });

  it('a guest that did not boot has its own exit code (6), apart from other infrastructure (3)', () => {
    expect(new BootError('no ready in 30 s', 'console').exitCode).toBe(6);
    expect(EXIT.boot).toBe(6);
    expect(new InfraError('IPVS_CONFORM_TIMEOUT', 'case timed out').exitCode).toBe(3);
  });
});

describe('exit codes', () => {
  it('the README lists every exit code in the order a run picks among several (EXIT_PRECEDENCE)', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n## ', readme.indexOf('## Exit codes') + 3));
    const codes = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual([...EXIT_PRECEDENCE]);
    expect([...codes].sort()).toEqual(Object.values(EXIT).sort());
  });

  it('worstExit picks the first of EXIT_PRECEDENCE that applies; codes outside it (130) rank last', () => {
    expect(worstExit(EXIT.ok, EXIT.infra, EXIT.boot)).toBe(EXIT.boot);
    expect(worstExit(EXIT.usage, EXIT.harness, EXIT.infra)).toBe(EXIT.harness);
    expect(worstExit(EXIT.harness, EXIT.divergence)).toBe(EXIT.divergence);
    expect(worstExit(EXIT.divergence, EXIT.kernel, EXIT.harness)).toBe(EXIT.kernel);
    expect(worstExit(130, EXIT.infra)).toBe(EXIT.infra);
    expect(worstExit()).toBe(EXIT.ok);
  });
});
