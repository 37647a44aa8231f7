// A divergence provoked for real: the 6.1 model (cost (active<<8)+inactive, 6.1 overload rules)
// judged against the 6.12 kernel (late-6.12 rules). The run must find it, shrink it on the kernel,
// save a small case, and `replay` must show it again. (Seed 8: its case 0 tells the two
// semantics apart in the model, with the lifecycle mix.)
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');

describe('6.1 model against the 6.12 kernel', () => {
  it('finds, shrinks and saves a divergence that replays', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-shrink-'));
    const r = await execa('node', [BIN, 'run', '--kernel', '6.12', '--semantics', '6.1', '--scheduler', 'wlc', '--scheduler', 'lc', '--cases', '40', '--seed', '8', '--report', report, '--shrink-budget', '150s', '--json'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout);
    const f = summary.findings.find((x: { duplicateOf?: string }) => !x.duplicateOf);
    expect(f, r.stderr).toBeDefined();
    const c = await loadCase(f.file);
    expect(c.semantics).toBe('6.1');
    expect(c.kernel.name).toBe('6.12');
    expect(c.shrink!.minimalEvents).toBeLessThan(c.shrink!.originalEvents);
    expect(c.scenario.events.length).toBeLessThanOrEqual(12);
    expect(c.observed?.kernel?.steps.length).toBe(c.scenario.events.length);

    const re = await execa('node', [BIN, 'replay', f.file], { reject: false });
    expect(re.stdout, re.stderr).toMatch(/verdict \(model semantics 6\.1\): diverge/);
    expect(re.exitCode).toBe(1);
    // Refused on another kernel unless forced.
    const other = await execa('node', [BIN, 'replay', f.file, '--kernel', '6.1'], { reject: false });
    expect(other.stderr).toMatch(/found on another build: kernel 6\.12 \(case\) vs 6\.1.*--force/);
    expect(other.exitCode).toBe(2);
  }, 600_000);
});
