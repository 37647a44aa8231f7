// What a fault test checks after a run: the guests' QEMUs gone, no pid file of this process left.
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { QemuBackend } from '../../src/backends/qemu/index.js';
import { pidDir } from '../../src/backends/qemu/reaper.js';
import { pidAlive } from '../../src/host/pid.js';

/** Whether `pid` is gone within `ms` (a killed QEMU takes a moment to be reaped). */
export async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (pidAlive(pid) && Date.now() < end) await sleep(100);
  return !pidAlive(pid);
}

/** This process's pid files (one per live guest). */
export async function pidFiles(): Promise<string[]> {
  const names = await fs.readdir(pidDir()).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(`${process.pid}-`));
}

/** With one live guest, closing the backend leaves no QEMU, no pid file and nothing in `tmp` (the run's TMPDIR). */
export async function expectNothingLeftOnClose(qemu: QemuBackend, tmp: string): Promise<void> {
  const live = await qemu.withGuest(async (g) => g.pid!);
  expect(await pidFiles()).toHaveLength(1);
  await qemu.close();
  expect(await gone(live)).toBe(true);
  expect(await pidFiles()).toEqual([]);
  expect(await fs.readdir(tmp)).toEqual([]);
}
