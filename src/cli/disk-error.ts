// A file system that refuses a write (a full disk, a quota, a read-only mount, no permission) is
// the host's trouble, not a bug of the harness: exit 3 with what was refused and the fix. What a
// run found before stays on disk: every case file and report file is written atomically.
import { InfraError } from '../errors.js';

const REFUSALS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/** `e` as an InfraError when it is a file system's refusal, else undefined. */
export function diskTrouble(e: unknown): InfraError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  const why = typeof err?.code === 'string' ? REFUSALS[err.code] : undefined;
  if (!why || !err?.syscall) return undefined;
  const what = err.path ? `${err.syscall} ${err.path}` : err.syscall;
  return new InfraError(
    'IPVS_CONFORM_DISK',
    `the file system refused ${what}: ${why} (${err.code}). What was written before is complete (files are replaced atomically). ` +
      'Fix: free space on the disk holding --report (or the cache, IPVS_CONFORM_CACHE), or pick another --report',
    { cause: e, permanent: true },
  );
}
