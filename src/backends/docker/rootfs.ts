// The worker image's root file system, as one deterministic tar whose sha256 names the image: the
// guest root file system the QEMU image is made from (src/backends/qemu/rootfs.ts buildRootfs(): busybox,
// ipvsadm and its libraries, the static agent; no kernel modules), plus this backend's two
// scripts from vm/docker/ at / (entrypoint.sh, probe.sh).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { vmDir } from '../qemu/paths.js';
import { cacheDir } from '../../host/cache.js';
import { buildRootfs } from '../qemu/rootfs.js';

const SCRIPTS_DIR = path.join(vmDir, 'docker');
const SCRIPTS = ['entrypoint.sh', 'probe.sh'];

export interface RootfsTar {
  /** The tar file, in the cache (the caller removes it once imported). */
  file: string;
  /** sha256 of the tar's bytes (names, modes, contents; times and owners fixed). */
  hash: string;
}

/** The tar command for a rootfs directory plus the scripts; fixed order, times and owners. */
export function tarArgs(rootfs: string, out: string): string[] {
  return [
    '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu',
    '-cf', out,
    '-C', rootfs, '.',
    '-C', SCRIPTS_DIR, ...SCRIPTS,
  ];
}

export async function buildRootfsTar(): Promise<RootfsTar> {
  const base = cacheDir('docker');
  await fs.mkdir(base, { recursive: true });
  const tmp = path.join(base, `rootfs-${process.pid}-${Date.now()}.tar`);
  // Another process building the same rootfs at the same moment replaces the cached directory
  // under us (buildRootfs renames a fresh tree into place): then tar fails, and a retry reads the
  // finished tree.
  for (let attempt = 1; ; attempt++) {
    const rootfs = await buildRootfs();
    const r = await execa('tar', tarArgs(rootfs, tmp), { reject: false });
    if (r.exitCode === 0) break;
    await fs.rm(tmp, { force: true });
    if (attempt === 3) throw new InfraError('IPVS_CONFORM_DOCKER_ROOTFS', `tar of the worker rootfs ${rootfs} failed: ${r.stderr}`);
  }
  const hash = await sha256(tmp);
  const file = path.join(base, `rootfs-${hash}.tar`);
  await fs.rename(tmp, file);
  return { file, hash };
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
