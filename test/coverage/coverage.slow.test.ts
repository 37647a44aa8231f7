// Kernel coverage on the real 6.1 kernel: a case that only uses rr runs ip_vs_rr_schedule and never
// ip_vs_wrr_schedule (the instrumented modules, the collector and the agent's takes agree with the
// code the case can reach), and the report's files are lcov's. Boots a real guest (QEMU, TCG).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { CoverageRun } from '../../src/coverage/run.js';
import type { Scenario } from '../../src/scenario.js';

const RR: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.2:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40000 },
    { op: 'connect', conn: 'c2', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 40001 },
    { op: 'fin', conn: 'c1' },
  ],
};

let dir: string;
let backend: QemuBackend;
const cov = new CoverageRun('6.1');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'coverage-'));
  backend = createQemuBackend({ kernel: '6.1', jobs: 1, coverage: cov, bootTimeoutMs: 180_000 });
  await backend.start();
}, 900_000);
afterAll(async () => {
  await backend?.close();
  await rm(dir, { recursive: true, force: true });
});

const fnda = (lcov: string, fn: string) => Number(new RegExp(`^FNDA:(\\d+),${fn}$`, 'm').exec(lcov)?.[1] ?? NaN);

describe('coverage of one rr case on kernel 6.1', () => {
  it('reaches ip_vs_rr_schedule and not ip_vs_wrr_schedule', async () => {
    const obs = await backend.run(RR);
    expect(obs.steps.filter((s) => s.dest).length).toBe(2);
    expect(cov.freshArcs(RR)).toBeGreaterThan(0);
    const report = await cov.report(dir);
    const lcov = await readFile(path.join(dir, 'lcov.info'), 'utf8');
    // Two connections: rr scheduled both.
    expect(fnda(lcov, 'ip_vs_rr_schedule')).toBe(2);
    expect(fnda(lcov, 'ip_vs_wrr_schedule')).toBe(0);
    const rr = report.files.find((f) => f.file === 'net/netfilter/ipvs/ip_vs_rr.c')!;
    expect(rr.neverEntered).not.toContain('ip_vs_rr_schedule');
    expect(report.files.find((f) => f.file.endsWith('ip_vs_wrr.c'))!.lines.hit).toBe(0);
    expect((await stat(path.join(dir, 'html/index.html'))).isFile()).toBe(true);
  }, 300_000);

  it('unloading the modules at the end runs their exit code', async () => {
    await backend.finishCoverage();
    const report = await cov.report(dir);
    const rr = report.files.find((f) => f.file === 'net/netfilter/ipvs/ip_vs_rr.c')!;
    expect(rr.neverEntered).not.toContain('ip_vs_rr_cleanup');
  }, 300_000);
});
