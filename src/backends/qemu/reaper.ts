// No QEMU outlives the run. Three layers:
//  1. every guest process is registered here and SIGKILLed on close(), on process 'exit', and on
//     SIGINT/SIGTERM (then the signal's default action goes on unless someone else handles it);
//  2. QEMU is started through `setpriv --pdeathsig SIGKILL`, so the kernel kills it when Node
//     dies, even by SIGKILL;
//  3. QEMU writes a pid file named after the Node process; sweepOrphans() kills the QEMUs whose
//     Node process is gone (for a host without setpriv, or a crash between the layers).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../../host/cache.js';
import { pidAlive } from '../../host/pid.js';

const live = new Set<ChildProcess>();
let installed = false;

export function pidDir(): string {
  return cacheDir('run');
}

/** A pid file path for a new guest of this Node process. */
export function pidFileFor(n: number): string {
  return path.join(pidDir(), `${process.pid}-${n}.pid`);
}

export function register(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  install();
}

export function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function liveCount(): number {
  return live.size;
}

function onSignal(sig: NodeJS.Signals): void {
  killAll();
  // If nobody else listens for this signal, do what it would have done without us.
  if (process.listenerCount(sig) <= 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Kills QEMUs left by Node processes that no longer exist (their pid files say which). */
export async function sweepOrphans(): Promise<number> {
  let killed = 0;
  let files: string[];
  try {
    files = await fs.readdir(pidDir());
  } catch {
    return 0;
  }
  for (const f of files) {
    const m = f.match(/^(\d+)-\d+\.pid$/);
    if (!m) continue;
    const owner = Number(m[1]);
    if (pidAlive(owner)) continue;
    const file = path.join(pidDir(), f);
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(file)) {
        process.kill(pid, 'SIGKILL');
        killed++;
      }
    } catch {
      // gone already
    }
    await fs.rm(file, { force: true });
  }
  return killed;
}
