// A real kernel crash reaches the harness as a KernelFinding with the console log, not as a
// timeout or a pass. The guest is the normal image with a different /init (test/helpers/
// init-overlay.ts) that crashes the kernel through /proc/sysrq-trigger.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession } from '../../../src/agent/session.js';
import { BootError, KernelFinding } from '../../../src/errors.js';
import { Guest } from '../../../src/backends/qemu/guest.js';
import { buildImage, type Image } from '../../../src/backends/qemu/image.js';
import { AGENT_INIT, initOverlay, withOverlay } from '../../helpers/init-overlay.js';

let dir: string;
let image: Image;
let crashing: { kernelPath: string; initrdPath: string };
let crashingAtBoot: { kernelPath: string; initrdPath: string };

beforeAll(async () => {
  image = await buildImage({ kernel: '6.1' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-guest-'));
  const late = await initOverlay(dir, 'late', `${AGENT_INIT}sleep 4\necho c > /proc/sysrq-trigger\n`);
  crashing = { kernelPath: image.kernelPath, initrdPath: await withOverlay(image.initrdPath, late) };
  // The same, but the kernel crashes before the agent is up (as a module's init would).
  const early = await initOverlay(dir, 'early', '#!/bin/sh\nmount -t proc proc /proc\necho c > /proc/sysrq-trigger\nsleep 60\n');
  crashingAtBoot = { kernelPath: image.kernelPath, initrdPath: await withOverlay(image.initrdPath, early) };
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Guest', () => {
  it('turns a kernel crash during a wait into a KernelFinding with the console log', async () => {
    const g = await Guest.boot({ image: crashing, accel: 'tcg', connect: (s) => new AgentSession(s), bootTimeoutMs: 120_000 });
    try {
      const mark = g.console.mark();
      // A case that is still running when the kernel dies: its channel closes, which must not
      // hide the crash (the console's lines can arrive after the close).
      const running = g.session.runCase({ version: 1, events: [{ op: 'wait', ms: 30_000 }] }, { timeoutMs: 60_000 });
      const err = await g.guard(running, 60_000, 'a 30 s wait', false, mark).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KernelFinding);
      expect((err as KernelFinding).message).toMatch(/sysrq triggered crash|Oops|BUG|Kernel panic|Call Trace/);
      expect((err as KernelFinding).consoleLog).toContain('sysrq');
      // panic=-1 and -no-reboot: the crashed guest goes away by itself.
      for (let i = 0; i < 100 && g.alive; i++) await sleep(100);
      expect(g.alive).toBe(false);
    } finally {
      await g.close();
    }
  }, 180_000);

  it('reports a kernel crash before the agent is ready as a KernelFinding, not a boot failure', async () => {
    const err = await Guest.boot({ image: crashingAtBoot, accel: 'tcg', connect: (s) => new AgentSession(s), bootTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^while booting/);
    expect(err).toBeInstanceOf(KernelFinding);
    expect(err).not.toBeInstanceOf(BootError);
    expect((err as KernelFinding).message).toMatch(/^while booting, before the agent was ready.*(sysrq|Oops|BUG|Kernel panic|Call Trace)/);
    expect((err as KernelFinding).consoleLog).toContain('sysrq');
  }, 120_000);

  it('reports a guest that never gets ready as a BootError with its console', async () => {
    const bogus = path.join(dir, 'not-an-initrd.img');
    await fs.writeFile(bogus, 'not a cpio archive');
    const err = await Guest.boot({
      image: { kernelPath: image.kernelPath, initrdPath: bogus },
      accel: 'tcg',
      connect: (s) => new AgentSession(s),
      bootTimeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as BootError).log).toMatch(/Kernel panic|VFS|No working init/);
  }, 120_000);
});
