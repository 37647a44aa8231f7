// Files replaced whole or not at all: written under a temporary name in the same folder, synced,
// then renamed over the target. Not write-file-atomic: it ignores a short write (a disk that fills
// mid-file gives one before any error) and renames the truncated file into place.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      // FileHandle.writeFile writes again after a short write, so a full disk ends in ENOSPC.
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
