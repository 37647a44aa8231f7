// What a fault test checks after a run: the guests' QEMUs gone, no pid file of this process left.
import fs from 'node:fs/promises';
import { pidDir } from '../../src/backends/qemu/reaper.js';
import { pidAlive } from '../../src/host/pid.js';

/** Whether `pid` is gone within `ms` (a killed QEMU takes a moment to be reaped). */
export async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (pidAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return !pidAlive(pid);
}

/** This process's pid files (one per live guest). */
export async function pidFiles(): Promise<string[]> {
  const names = await fs.readdir(pidDir()).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(`${process.pid}-`));
}
