// Faults injected into a real run on the 6.1 kernel: the guest's QEMU is killed (SIGKILL) or
// stopped (SIGSTOP: a hung guest) while a case is in flight. The promise: infrastructure trouble
// is retried on a fresh guest, never a pass and never a lost case: every case index has exactly
// one record, and no QEMU, pid file or temporary file is left.
import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { createQemuBackend } from '../../src/backends/qemu/index.js';
import { runKernelCases } from '../../src/run/engine.js';
import type { Scenario } from '../../src/scenario.js';
import { kernelSpec } from '../../src/backends/qemu/kernels.js';
import { expectNothingLeftOnClose, gone } from '../helpers/guest-processes.js';
import { runOptions } from './fake-run.js';

// This file's own temporary folder: whatever a guest leaves behind shows up here.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ipvsc-faults-'));
process.env.TMPDIR = tmp;

const qemu = createQemuBackend({ kernel: '6.1', jobs: 1, bootTimeoutMs: 180_000 });
afterAll(async () => {
  await qemu.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The QEMU backend, except that its `nth` run sends `signal` to the guest's QEMU once the case is sent. */
function faultingNthRun(nth: number, signal: NodeJS.Signals, hit: number[]): Backend {
  let runs = 0;
  const run = async (s: Scenario) => {
    if (++runs !== nth) return qemu.run(s);
    const pid = await qemu.withGuest(async (g) => g.pid!);
    const pending = qemu.run(s);
    setTimeout(() => {
      hit.push(pid);
      process.kill(pid, signal);
    }, 20);
    return pending;
  };
  return new Proxy(qemu, { get: (t, k) => (k === 'run' ? run : Reflect.get(t, k)) });
}

/** Runs seed 5's first three cases with the fault in the second; checks the books and the replaced guest. */
async function runWithFault(signal: NodeJS.Signals, replacedBefore: number): Promise<void> {
  const hit: number[] = [];
  const o = await runOptions({
    backend: faultingNthRun(2, signal, hit), backendName: 'qemu', release: kernelSpec('6.1').release,
    schedulers: ['rr', 'wlc'], seed: 5, cases: 3, jobs: 1, infraAttempts: 3, oracle: undefined,
  });
  const r = await runKernelCases(o);
  expect(hit).toHaveLength(1);
  expect(r.records.map((c) => c.index).sort()).toEqual([0, 1, 2]);
  expect(r.records.map((c) => c.outcome)).not.toContain('infra');
  expect(r.stoppedBy).toBeUndefined();
  expect(qemu.replaced).toBe(replacedBefore + 1);
  expect(await gone(hit[0]!)).toBe(true);
  await fs.rm(o.casesDir, { recursive: true, force: true });
}

describe('faults in a real run (kernel 6.1)', () => {
  it('a guest killed mid-case: retried on a fresh guest, the case recorded once', async () => {
    await qemu.start();
    await runWithFault('SIGKILL', 0);
  }, 600_000);

  it('a guest stopped (SIGSTOP) mid-case: the case times out, is retried on a fresh guest and recorded once', async () => {
    await runWithFault('SIGSTOP', 1);
  }, 600_000);

  it('leaves no QEMU, pid file or temporary file', async () => {
    await expectNothingLeftOnClose(qemu, tmp);
  }, 60_000);
});
