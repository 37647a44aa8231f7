import { describe, expect, it } from 'vitest';
import { diskTrouble } from '../../src/cli/disk-error.js';
import { EXIT, InfraError } from '../../src/errors.js';

const errno = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: x, ${syscall}`), { code, syscall, ...(path ? { path } : {}) });

describe('diskTrouble', () => {
  it('makes a full disk an infrastructure error with the fix', () => {
    const e = diskTrouble(errno('ENOSPC', 'write'));
    expect(e).toBeInstanceOf(InfraError);
    expect(e!.exitCode).toBe(EXIT.infra);
    expect(e!.message).toBe(
      'the file system refused write: no space left on the device (ENOSPC). What was written before is complete (files are replaced atomically). ' +
        'Fix: free space on the disk holding --report (or the cache, IPVS_CONFORM_CACHE), or pick another --report',
    );
  });

  it('names the file when the error does', () => {
    expect(diskTrouble(errno('EROFS', 'open', '/r/summary.json'))!.message).toMatch(/^the file system refused open \/r\/summary.json: read-only file system \(EROFS\)/);
  });

  it('leaves other errors alone', () => {
    expect(diskTrouble(errno('ENOENT', 'open', '/x'))).toBeUndefined();
    expect(diskTrouble(new Error('ENOSPC in a message only'))).toBeUndefined();
    expect(diskTrouble(undefined)).toBeUndefined();
  });
});
