import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfraError } from '../../../src/errors.js';
import type { Image } from '../../../src/backends/qemu/image.js';
import { imageDamage, intactImage } from '../../../src/backends/qemu/image-seal.js';

let root: string;
let dir: string;
const files = { vmlinux: 'kernel-elf', vmlinuz: 'bzimage', 'initrd.img': 'cpio-archive' };

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-seal-'));
  vi.stubEnv('IPVS_CONFORM_CACHE', root);
  dir = path.join(root, 'image');
  await writeImage();
});

/** The image's files, as a build writes them. */
async function writeImage(): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) await fs.writeFile(path.join(dir, f), text);
}
afterEach(async () => {
  vi.unstubAllEnvs();
  await fs.rm(root, { recursive: true, force: true });
});

/** Writes `text` to `f` with an mtime a second later, as a later write would. */
async function rewrite(f: string, text: string): Promise<void> {
  const file = path.join(dir, f);
  const { mtime } = await fs.stat(file);
  await fs.writeFile(file, text);
  await fs.utimes(file, mtime, new Date(mtime.getTime() + 1000));
}

describe('imageDamage', () => {
  it('seals an image at its first use, and finds it intact after', async () => {
    expect(await imageDamage(dir)).toBeUndefined();
    expect(Object.keys(JSON.parse(await fs.readFile(path.join(dir, 'seal.json'), 'utf8')))).toEqual(['vmlinux', 'vmlinuz', 'initrd.img']);
    expect(await imageDamage(dir)).toBeUndefined();
  });

  it('finds a truncated file by its size', async () => {
    await imageDamage(dir);
    await fs.truncate(path.join(dir, 'initrd.img'), 4);
    expect(await imageDamage(dir)).toBe('initrd.img is 4 bytes, was 12');
  });

  it('finds bytes overwritten in place by the hash, and takes a file rewritten with the same content', async () => {
    await imageDamage(dir);
    await rewrite('vmlinux', 'kernel-ELF');
    expect(await imageDamage(dir)).toBe("vmlinux was overwritten: its SHA-256 differs from the build's");
    await rewrite('vmlinux', 'kernel-elf');
    expect(await imageDamage(dir)).toBeUndefined();
  });

  it('finds a missing file, and a seal that is not JSON', async () => {
    await fs.rm(path.join(dir, 'vmlinuz'));
    expect(await imageDamage(dir)).toBe('vmlinuz missing');
    await fs.writeFile(path.join(dir, 'seal.json'), '{');
    expect(await imageDamage(dir)).toBe('seal.json is not JSON');
  });
});

describe('intactImage', () => {
  const image = () => ({ kernel: '6.1', key: 'k', initrdPath: path.join(dir, 'initrd.img') }) as Image;

  it('rebuilds a damaged image once', async () => {
    await imageDamage(dir);
    await fs.truncate(path.join(dir, 'vmlinux'), 1);
    let builds = 0;
    // The first build finds the damaged image cached; the second finds its folder gone and writes it afresh.
    const got = await intactImage(async () => {
      if (builds++ > 0) await writeImage();
      return image();
    });
    expect(builds).toBe(2);
    expect(got.kernel).toBe('6.1');
    expect(await imageDamage(dir)).toBeUndefined();
  });

  it('an image still damaged after the rebuild is an InfraError naming the folder to remove', async () => {
    await imageDamage(dir);
    const damage = async () => {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'seal.json'), '{');
      return image();
    };
    const err = await intactImage(damage).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as InfraError).code).toBe('IPVS_CONFORM_IMAGE_DAMAGED');
    expect((err as Error).message).toContain(`Fix: check the disk holding the cache (space, errors; IPVS_CONFORM_CACHE moves it) and remove ${dir}`);
  });
});
