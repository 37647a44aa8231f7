// The nightly job end to end on the real 6.1 kernel in QEMU (TCG): 20 cases must agree with the
// model, and the reports must say so. Also: SIGINT mid-run leaves the partial summary and no QEMU.
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');

/** QEMU processes started for the Node process `pid`: their -pidfile is named `<pid>-<n>.pid`. */
const qemuOf = async (pid: number) =>
  (await execa('pgrep', ['-f', `qemu-system-x86.*-pidfile [^ ]*/${pid}-[0-9]+\\.pid`], { reject: false })).stdout.split('\n').filter(Boolean);

describe('ipvs-conform run on the real 6.1 kernel', () => {
  it('run --cases 20 agrees, with summary.json, junit.xml and the table', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-run-'));
    const r = await execa('node', [BIN, 'run', '--kernel', '6.1', '--cases', '20', '--seed', '1', '--jobs', '2', '--report', report, '--json'], { reject: false });
    const summary = JSON.parse(r.stdout);
    expect(summary.totals.cases, r.stderr).toBe(20);
    expect(summary.totals.infra, r.stderr).toBe(0);
    expect(summary.findings, r.stderr).toEqual([]);
    expect(summary.totals.divergences, r.stderr).toBe(0);
    // Every case judged and agreeing: an undecided (unknown, flaky) case is no agreement.
    expect(summary.totals.agree, r.stderr).toBe(20);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/│ all/);
    const junit = await readFile(path.join(report, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="kernel 6.1 (6.1.0-50-cloud-amd64)" tests="20" failures="0" errors="0"');
  }, 300_000);

  it('SIGINT stops the run, writes the partial summary and leaves no QEMU behind', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-run-'));
    const child = execa('node', [BIN, 'run', '--kernel', '6.1', '--cases', '1000', '--seed', '2', '--report', report], { reject: false });
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    // Wait until cases are running (the guest is up), then interrupt.
    for (let i = 0; i < 600 && !/up in/.test(err); i++) await new Promise((res) => setTimeout(res, 200));
    await new Promise((res) => setTimeout(res, 3000));
    // Guests of other runs on this machine may be up too: only those of our run count.
    const ours = await qemuOf(child.pid!);
    expect(ours.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const r = await child;
    const summary = JSON.parse(await readFile(path.join(report, 'summary.json'), 'utf8'));
    expect(summary.interrupted).toBe(true);
    expect(summary.totals.cases).toBeGreaterThan(0);
    expect(summary.totals.cases).toBeLessThan(1000);
    expect([1, 130]).toContain(r.exitCode);
    expect(await qemuOf(child.pid!)).toEqual([]);
  }, 300_000);
});
