// A cache entry is a directory that appears complete or not at all: it is built under a temporary
// name beside its final place and renamed into place, so a crash never leaves a half-built entry
// that a later run would trust. A lock (a directory holding the builder's pid) makes a second
// builder of the same entry (vitest runs files in parallel; two shells run the same patch) wait
// for the first instead of compiling the same thing twice on a shared CPU; a lock whose process
// is gone is taken over.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { withLockDir } from '../host/lock.js';

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns `final`, building it first with `fill(tmpDir)` if it is not there yet. `fill` gets an
 * empty directory; whatever it throws is rethrown and the temporary directory removed.
 */
export async function cachedDir(final: string, fill: (tmp: string) => Promise<void>): Promise<{ dir: string; cached: boolean }> {
  if (await exists(final)) return { dir: final, cached: true };
  await mkdir(path.dirname(final), { recursive: true });
  // No time limit: a build of a whole kernel tree can take an hour on a small machine.
  return withLockDir(`${final}.lock`, async () => {
    if (await exists(final)) return { dir: final, cached: true }; // built while we waited
    const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(tmp);
      await fill(tmp);
      await rename(tmp, final);
      return { dir: final, cached: false };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, Infinity);
}
