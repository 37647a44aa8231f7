// A cross-process lock, so parallel test workers or runs that need the same image, kernel or
// module build it once: the first takes the lock and builds, the others wait and then find it
// cached. The lock is a directory (mkdir is atomic) holding its owner's pid; a lock whose owner is
// dead is taken over.
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '../errors.js';
import { log } from '../backends/qemu/log.js';
import { cacheDir } from './cache.js';
import { pidAlive } from './pid.js';

/** Runs `fn` holding the cache's lock called `name`. */
export function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  return withLockDir(cacheDir('locks', `${name}.lock`), fn, timeoutMs);
}

/** Runs `fn` holding the lock directory `dir` (created, then removed). */
export async function withLockDir<T>(dir: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const name = path.basename(dir, '.lock');
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const start = Date.now();
  let said = false;
  for (;;) {
    try {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await fs.readFile(path.join(dir, 'pid'), 'utf8').catch(() => 'NaN'));
      // No pid yet: the owner is between mkdir and writeFile; give it a moment before judging.
      if (Number.isInteger(owner) && owner !== process.pid && !pidAlive(owner)) {
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - start > timeoutMs)
        throw new InfraError('IPVS_CONFORM_LOCK', `waited ${Math.round(timeoutMs / 1000)} s for ${dir} (held by pid ${owner}); remove it if that process is gone`);
      if (!said) {
        log(`waiting for another process building ${name} (pid ${owner})`);
        said = true;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
