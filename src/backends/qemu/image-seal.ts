// A cached image is checked before it boots. A file truncated or overwritten since its build (a
// full disk, a copy cut short, a stray write) would otherwise boot into a hang until the boot
// timeout, or a panic that reads as the kernel's. image.json marks a finished build; seal.json,
// written at the image's first use, holds each file's size, mtime and SHA-256. A file whose size
// and mtime still match is taken as is (no hashing on every start); one whose mtime moved is hashed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { InfraError } from '../../errors.js';
import { hashFile } from './hash.js';
import type { Image } from './image.js';
import { kernelFileName } from './kernels.js';
import { withLock } from '../../host/lock.js';
import { log } from './log.js';

const SEALED = ['vmlinux', 'vmlinuz', 'initrd.img'] as const;
type Stamp = { size: number; mtimeMs: number; sha256: string };
type Seal = Record<string, Stamp>;

async function stampOf(file: string): Promise<Stamp> {
  const st = await fs.stat(file);
  return { size: st.size, mtimeMs: st.mtimeMs, sha256: await hashFile(file) };
}

/** What is wrong with the image in `dir`, or undefined when it is intact (sealing it on first use). */
export async function imageDamage(dir: string): Promise<string | undefined> {
  const sealFile = path.join(dir, 'seal.json');
  const text = await fs.readFile(sealFile, 'utf8').catch(() => undefined);
  if (text === undefined) {
    const seal: Seal = {};
    for (const f of SEALED) seal[f] = await stampOf(path.join(dir, f)).catch(() => ({ size: -1, mtimeMs: 0, sha256: '' }));
    const missing = SEALED.filter((f) => seal[f]!.size < 0);
    if (missing.length) return `${missing.join(', ')} missing`;
    // Atomic: another process starting on this image must never read half a seal.
    await writeFileAtomic(sealFile, JSON.stringify(seal, null, 2) + '\n');
    return undefined;
  }
  let seal: Seal;
  try {
    seal = JSON.parse(text) as Seal;
  } catch {
    return 'seal.json is not JSON';
  }
  for (const f of SEALED) {
    const was = seal[f];
    const st = await fs.stat(path.join(dir, f)).catch(() => undefined);
    if (!was || !st) return `${f} ${st ? 'is not in seal.json' : 'is missing'}`;
    if (st.size !== was.size) return `${f} is ${st.size} bytes, was ${was.size}`;
    if (st.mtimeMs === was.mtimeMs) continue;
    if ((await hashFile(path.join(dir, f))) !== was.sha256) return `${f} was overwritten: its SHA-256 differs from the build's`;
  }
  return undefined;
}

/** `build()`'s image, rebuilt once if the cached copy is damaged; still damaged after that: an InfraError with the fix. */
export async function intactImage(build: () => Promise<Image>): Promise<Image> {
  const image = await build();
  const dir = path.dirname(image.initrdPath);
  const why = await imageDamage(dir);
  if (!why) return image;
  log(`the cached image for kernel ${image.kernel} is damaged (${why}): rebuilding it`);
  // The builder's lock: no other process is building into this folder meanwhile.
  await withLock(`image-${kernelFileName(image.kernel)}-${image.key}`, () => fs.rm(dir, { recursive: true, force: true }));
  const again = await build();
  const still = await imageDamage(dir);
  if (!still) return again;
  throw new InfraError(
    'IPVS_CONFORM_IMAGE_DAMAGED',
    `the image for kernel ${image.kernel} in ${dir} is damaged (${still}), even after a rebuild. Fix: check the disk holding the cache (space, errors; IPVS_CONFORM_CACHE moves it) and remove ${dir}`,
    { permanent: true },
  );
}
