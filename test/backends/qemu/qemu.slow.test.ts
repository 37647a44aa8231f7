// Boots real guests (TCG where KVM does not work: never skipped) and runs cases through the
// QEMU backend: the Observation's shape, a hung guest reported as InfraError and replaced, and
// no QEMU left after close().
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../../src/backends/qemu/index.js';
import { InfraError } from '../../../src/errors.js';
import type { Scenario } from '../../../src/scenario.js';
import { kernelSpec } from '../../../src/backends/qemu/kernels.js';
import { pidAlive } from '../../../src/host/pid.js';

async function gone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return !pidAlive(pid);
}

const small: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'hprio' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.21:80', weight: 5, upper: 1, lower: 0 },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.13:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 1001 },
    { op: 'connect', conn: 'c2', svc: '10.0.0.1:80', client: '10.1.0.2', cport: 1002 },
  ],
};

const opened: QemuBackend[] = [];
afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
});

describe('QEMU backend, kernel 6.1', () => {
  const backend = createQemuBackend({ kernel: '6.1', jobs: 1, caseTimeoutMs: 10_000 });
  opened.push(backend);
  const pids: number[] = [];

  it('starts a guest and reports the kernel and its schedulers', async () => {
    const caps = await backend.start();
    expect(caps.release).toBe(kernelSpec('6.1').release);
    expect(caps.schedulers).toEqual(expect.arrayContaining(['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'mh', 'hprio']));
    expect(caps.schedulers).not.toContain('twos');
  }, 180_000);

  it('runs a case on the real kernel: hprio fails over once the weight-5 server is overloaded', async () => {
    const obs = await backend.run(small);
    expect(obs.backend).toBe('qemu');
    expect(obs.kernel).toEqual({ name: '6.1', release: kernelSpec('6.1').release });
    expect(obs.build?.modules).toBe(backend.image?.kernelKey);
    expect(obs.build?.module).toMatch(/^hprio:[0-9a-f]{16}$/);
    expect(obs.steps).toHaveLength(small.events.length);
    expect(obs.steps.map((s) => s.error)).toEqual(small.events.map(() => undefined));
    expect(obs.steps[3]!.dest).toBe('10.2.0.21:80');
    expect(obs.steps[4]!.dest).toBe('10.2.0.13:80');
    expect(obs.steps[4]!.table?.[0]?.dests.map((d) => [d.dest, d.active])).toEqual(
      expect.arrayContaining([
        ['10.2.0.21:80', 1],
        ['10.2.0.13:80', 1],
      ]),
    );
    expect(obs.listings?.thresholds).toContain('TCP  10.0.0.1:80 hprio');
  }, 60_000);

  it('reports a hung guest as InfraError, kills it and boots a fresh one', async () => {
    const hungPid = await backend.withGuest(async (g) => {
      pids.push(g.pid!);
      process.kill(g.pid!, 'SIGSTOP'); // the guest stops answering, as a hung kernel would
      return g.pid!;
    });
    const err = await backend.run(small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as InfraError).message).toMatch(/did not answer|timed out/);
    expect(await gone(hungPid)).toBe(true);
    const obs = await backend.run(small);
    expect(obs.steps[4]!.dest).toBe('10.2.0.13:80');
    expect(backend.replaced).toBe(1);
    await backend.withGuest(async (g) => void pids.push(g.pid!));
  }, 180_000);

  it('leaves no QEMU behind after close()', async () => {
    await backend.close();
    for (const pid of pids) expect(await gone(pid)).toBe(true);
  }, 30_000);
});

describe('QEMU backend, kernel 6.12', () => {
  it('boots 6.12 with twos and hprio and runs the same case', async () => {
    const backend = createQemuBackend({ kernel: '6.12', jobs: 1 });
    opened.push(backend);
    const caps = await backend.start();
    expect(caps.release).toBe(kernelSpec('6.12').release);
    expect(caps.schedulers).toEqual(expect.arrayContaining(['twos', 'hprio', 'rr']));
    const obs = await backend.run(small);
    expect(obs.kernel.release).toBe(kernelSpec('6.12').release);
    expect(obs.steps.slice(3).map((s) => s.dest)).toEqual(['10.2.0.21:80', '10.2.0.13:80']);
    await backend.close();
  }, 300_000);
});
