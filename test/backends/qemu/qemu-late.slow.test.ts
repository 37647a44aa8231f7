// Kernel trouble printed after a case has finished (the kernel cleans up a case's namespace
// asynchronously, after the agent replied) belongs to that case, not to the next one and not to
// nobody. The guest here is the normal image with a different /init (test/helpers/
// init-overlay.ts): it starts the agent, and once the IPVS modules are loaded, waits 5 s and writes a WARNING line
// to the kernel log, so the line reaches the real console between two cases.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildImage } from '../../../src/backends/qemu/image.js';
import { createQemuBackend, type QemuBackend } from '../../../src/backends/qemu/index.js';
import { KernelFinding } from '../../../src/errors.js';
import type { Scenario } from '../../../src/scenario.js';
import { AGENT_INIT, initOverlay, withOverlay } from '../../helpers/init-overlay.js';

const WARNING = 'WARNING: CPU: 0 PID: 1 at ipvs-conform-test: printed between cases';

const scenario = (client: string): Scenario => ({
  version: 1,
  events: [
    { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
    { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client, cport: 1001 },
  ],
});

let dir: string;
let backend: QemuBackend;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-late-'));
  const overlay = await initOverlay(
    dir,
    'late-warning',
    `${AGENT_INIT}while [ ! -e /proc/net/ip_vs ]; do sleep 0.1; done\nsleep 15\necho "<4>${WARNING}" > /dev/kmsg\nwait\n`,
  );
  const image = await buildImage({ kernel: '6.1' });
  // A real clock: on virtual time the guest's `sleep 15` passes as soon as it idles, so the
  // WARNING could come before the case it must follow.
  vi.stubEnv('IPVS_CONFORM_ICOUNT', 'none');
  backend = createQemuBackend({ kernel: '6.1', jobs: 1, image: { ...image, initrdPath: await withOverlay(image.initrdPath, overlay) } });
}, 300_000);

afterAll(async () => {
  await backend?.close();
  vi.unstubAllEnvs();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Waits until the guest's console shows the WARNING. */
async function warned(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await backend.withGuest(async (g) => g.console.text().includes(WARNING))) return;
    await sleep(100);
  }
  throw new Error('the guest never printed the WARNING');
}

describe('QEMU backend: kernel trouble after a case', () => {
  it('is pinned to the case that had finished, before the next case runs on that kernel', async () => {
    await backend.start();
    const first = scenario('10.1.0.1');
    expect((await backend.run(first)).steps).toHaveLength(3);
    await warned();
    const err = await backend.run(scenario('10.1.0.2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelFinding);
    expect((err as KernelFinding).after).toBe(first);
    expect((err as KernelFinding).message).toContain(WARNING);
    // The tainted guest was replaced: the next case runs on a fresh one.
    expect(backend.replaced).toBe(1);
  }, 180_000);

  it('is reported by drain() when it comes after the last case', async () => {
    const last = scenario('10.1.0.3');
    expect((await backend.run(last)).steps).toHaveLength(3);
    expect(await backend.drain()).toEqual([]);
    await warned();
    const late = await backend.drain();
    expect(late).toHaveLength(1);
    expect(late[0]!.after).toBe(last);
    expect(backend.replaced).toBe(2); // and no later case runs on that kernel
  }, 180_000);
});
