// A cache entry is a directory that appears complete or not at all: it is built under a temporary
// name beside its final place and renamed into place, so a crash or a parallel builder (vitest runs
// files in parallel) never leaves a half-built entry that a later run would trust.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

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
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp);
  try {
    await fill(tmp);
    try {
      await rename(tmp, final);
    } catch (e) {
      // Someone else finished the same entry first: theirs is as good as ours.
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(final))) await rm(tmp, { recursive: true, force: true });
      else throw e;
    }
    return { dir: final, cached: false };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
