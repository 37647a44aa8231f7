// `check` on the real 6.1 kernel (QEMU, TCG): the 2005 patch's setup written by hand shows the
// spillover taking traffic once the main pool is full, and saves as a case `replay` accepts; the
// 1-minimal hprio divergence written by hand diverges at its second connection. `replay --json`
// of several files gives each file's exit code.
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/ipvs-conform.mjs');

/** The event lines of check's output: index, event text, the kernel's destination (by the header's columns). */
function eventRows(stdout: string): { i: number; event: string; kernel: string; line: string }[] {
  const lines = stdout.split('\n');
  const head = lines.find((l) => /^\s+#\s+event\s+kernel\s+model/.test(l))!;
  const [e, k, m] = ['event', 'kernel', 'model'].map((w) => head.indexOf(` ${w} `) + 1) as [number, number, number];
  return lines.flatMap((line) => {
    const i = /^[ !]\s*(\d+)  /.exec(line);
    return i ? [{ i: Number(i[1]), event: line.slice(e, k).trim(), kernel: line.slice(k, m).trim(), line }] : [];
  });
}

describe('ipvs-conform check on the real kernel', () => {
  it('the 2005 setup: the spillover takes traffic once the main pool is overloaded, and --save replays', async () => {
    const saved = path.join(await mkdtemp(path.join(tmpdir(), 'ipvsc-check-')), 'h2005.yaml');
    const r = await execa('node', [BIN, 'check', path.join(ROOT, 'vm/examples/scenarios/hprio-2005.yaml'), '--save', saved], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const conns = eventRows(r.stdout).filter((x) => x.event.startsWith('conn['));
    expect(conns).toHaveLength(160);
    // 150 connections fill the main pool (50 each, its upper threshold); not one reaches the spillover.
    expect(conns.slice(0, 150).every((c) => c.kernel !== '10.2.0.13:80')).toBe(true);
    expect(conns.slice(150).every((c) => c.kernel === '10.2.0.13:80')).toBe(true);
    expect(conns[150]!.line).toMatch(/10\.2\.0\.13:80\s+=\s+1\/0\s+50\/0\s+50\/0\s+50\/0/);
    expect(r.stdout).toMatch(/-> 10\.2\.0\.13:80\s+Masq\s+1\s+10\s+0/);
    expect(r.stdout).toMatch(/verdict: agree/);

    const c = await loadCase(saved);
    expect(c.finding).toBe('none');
    expect(c.scenario.events).toHaveLength(165);
    // One replay of several files, one guest: the text on stderr, each file's exit in the JSON.
    const known = path.join(ROOT, 'golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml');
    const missing = path.join(path.dirname(saved), 'missing.yaml');
    const re = await execa('node', [BIN, 'replay', '--json', saved, known, missing], { reject: false });
    expect(re.stderr).toMatch(/verdict \(model semantics 6\.1\): agree/);
    expect(JSON.parse(re.stdout), re.stderr).toEqual({
      exit: 1,
      cases: [
        { file: missing, exit: 2 },
        { file: saved, kernel: '6.1', exit: 0 },
        { file: known, kernel: '6.1', exit: 1 },
      ],
    });
    expect(re.exitCode).toBe(1);
  }, 600_000);

  it('the minimal hprio divergence written by hand diverges at its second connection (exit 1)', async () => {
    const r = await execa('node', [BIN, 'check', path.join(ROOT, 'vm/examples/scenarios/hprio-overloaded-same-weight.yaml')], { reject: false });
    expect(r.exitCode, r.stderr).toBe(1);
    const rows = eventRows(r.stdout);
    expect(rows.map((x) => x.kernel)).toEqual(['', '', '', '10.2.0.2:80', '', '10.2.0.2:80']);
    expect(rows[5]!.line).toMatch(/^!\s+5\s+conn\[c2 .*10\.2\.0\.1:80 .*<- first difference$/);
    expect(r.stdout).toMatch(/verdict: diverge at event 5 conn\[c2 10\.1\.0\.2:40001\]: dest: expected 10\.2\.0\.1:80, got 10\.2\.0\.2:80/);
  }, 600_000);
});
