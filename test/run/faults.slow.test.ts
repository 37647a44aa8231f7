// Faults injected into a real run on the 6.1 kernel: the guest's QEMU is killed (SIGKILL) while a
// case is in flight. The promise: infrastructure trouble is retried on a fresh guest, never a
// pass and never a lost case: every case index has exactly one record, and no QEMU is left.
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { createQemuBackend } from '../../src/backends/qemu/index.js';
import { runKernelCases } from '../../src/run/engine.js';
import type { Scenario } from '../../src/scenario.js';
import { kernelSpec } from '../../src/backends/qemu/kernels.js';
import { pidAlive } from '../../src/backends/qemu/pid.js';
import { runOptions } from './fake-run.js';

const qemu = createQemuBackend({ kernel: '6.1', jobs: 1, bootTimeoutMs: 180_000 });
afterAll(() => qemu.close());

async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (pidAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return !pidAlive(pid);
}

/** The QEMU backend, except that its `nth` run kills the guest's QEMU once the case is sent. */
function killingNthRun(nth: number, killed: number[]): Backend {
  let runs = 0;
  const run = async (s: Scenario) => {
    if (++runs !== nth) return qemu.run(s);
    const pid = await qemu.withGuest(async (g) => g.pid!);
    const pending = qemu.run(s);
    setTimeout(() => {
      killed.push(pid);
      process.kill(pid, 'SIGKILL');
    }, 20);
    return pending;
  };
  return new Proxy(qemu, { get: (t, k) => (k === 'run' ? run : Reflect.get(t, k)) });
}

describe('faults in a real run (kernel 6.1)', () => {
  it('a guest killed mid-case: retried on a fresh guest, the case recorded once, no QEMU left', async () => {
    await qemu.start();
    const killed: number[] = [];
    const o = await runOptions({
      backend: killingNthRun(2, killed), backendName: 'qemu', release: kernelSpec('6.1').release,
      schedulers: ['rr', 'wlc'], seed: 5, cases: 3, jobs: 1, infraAttempts: 3, oracle: undefined,
    });
    const r = await runKernelCases(o);
    expect(killed).toHaveLength(1);
    expect(r.records.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    expect(r.records.map((c) => c.outcome)).not.toContain('infra');
    expect(r.stoppedBy).toBeUndefined();
    expect(qemu.replaced).toBe(1);
    expect(await gone(killed[0]!)).toBe(true);
    const live = await qemu.withGuest(async (g) => g.pid!);
    await qemu.close();
    expect(await gone(live)).toBe(true);
  }, 600_000);
});
