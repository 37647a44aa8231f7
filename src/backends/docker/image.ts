// The worker image: the guest root file system imported with `docker import` semantics
// (POST /images/create?fromSrc=-, dockerode importImage), never pulled from a registry. Its tag is
// the rootfs content hash, so an unchanged rootfs is imported once per daemon and then reused.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { log } from './log.js';
import { buildRootfsTar } from './rootfs.js';

export const IMAGE_REPO = 'ipvs-conform/rootfs';

export function imageName(hash: string): string {
  return `${IMAGE_REPO}:${hash.slice(0, 16)}`;
}

/** Makes sure the image of the current rootfs is on the daemon; returns its name. */
export async function ensureImage(docker: Docker): Promise<string> {
  const tar = await buildRootfsTar();
  try {
    const name = imageName(tar.hash);
    if (await imageExists(docker, name)) return name;
    await importTar(docker, tar.file, name);
    await removeOldImages(docker, name);
    return name;
  } finally {
    await fs.rm(tar.file, { force: true });
  }
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw new InfraError('IPVS_CONFORM_DOCKER_API', `docker image inspect ${name} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** `docker import FILE REPO:TAG`: the daemon answers with a JSON progress stream whose errors arrive in-band. */
export async function importTar(docker: Docker, file: string, name: string): Promise<void> {
  const [repo, tag] = [name.slice(0, name.lastIndexOf(':')), name.slice(name.lastIndexOf(':') + 1)];
  const start = performance.now();
  try {
    const stream = await docker.importImage(createReadStream(file), { repo, tag });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        const bad = events?.find((e) => e.error || e.errorDetail);
        if (err) reject(err);
        else if (bad) reject(new Error(bad.error ?? bad.errorDetail?.message));
        else resolve();
      });
    });
  } catch (cause) {
    throw new InfraError('IPVS_CONFORM_DOCKER_IMPORT', `docker import of the worker rootfs as ${name} failed: ${(cause as Error).message}`, { cause });
  }
  if (!(await imageExists(docker, name)))
    throw new InfraError('IPVS_CONFORM_DOCKER_IMPORT', `docker import reported success but ${name} is not on the daemon`);
  log(`imported ${name} in ${Math.round(performance.now() - start)} ms`);
}

/** Older worker images (an earlier agent or rootfs) are removed; one a container still uses stays. */
export async function removeOldImages(docker: Docker, keep: string): Promise<string[]> {
  const removed: string[] = [];
  for (const img of await docker.listImages({ filters: { reference: [IMAGE_REPO] } })) {
    const tags = img.RepoTags ?? [];
    if (tags.includes(keep)) continue;
    try {
      await docker.getImage(img.Id).remove();
      removed.push(...tags);
    } catch {
      // in use by a container (another run), or already gone: leave it
    }
  }
  return removed;
}
