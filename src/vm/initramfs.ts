// Packs a directory into an initramfs: a newc cpio archive (sorted, owned by root, reproducible)
// compressed with gzip, which the Debian kernels decompress fastest for its size under TCG.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { ensureTools, TOOLS } from './tools.js';

export async function packInitramfs(dir: string, out: string): Promise<void> {
  const tools = await ensureTools([TOOLS.cpio]);
  const find = await execa('find', ['.', '-mindepth', '1'], { cwd: dir });
  const names = find.stdout.split('\n').filter(Boolean).sort().join('\n') + '\n';
  const cpio = execa(tools.cpio!, ['-o', '-H', 'newc', '--quiet', '-R', '0:0', '--reproducible'], {
    cwd: dir,
    input: names,
    encoding: 'buffer',
    buffer: false,
  });
  if (!cpio.stdout) throw new InfraError('IPVS_CONFORM_CPIO', 'cpio gave no output stream');
  await Promise.all([pipeline(cpio.stdout, createGzip({ level: 9 }), createWriteStream(out)), cpio]);
}
