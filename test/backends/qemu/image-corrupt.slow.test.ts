// A corrupted cached image (6.1): the image is copied into a cache of the test's own
// (IPVS_CONFORM_CACHE; the downloads and unpacked packages are shared through links), then its
// initramfs is truncated and bytes in the middle of its vmlinux overwritten. The promise: the damage
// is found before a guest boots, the image is rebuilt, and the backend runs a case; never a boot
// hang, never a kernel finding.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../../src/backends/qemu/index.js';
import { buildImage } from '../../../src/backends/qemu/image.js';
import { imageDamage } from '../../../src/backends/qemu/image-seal.js';
import { cacheRoot } from '../../../src/host/cache.js';

let cache: string;
let imageDir: string;
let initrdSize: number;
let backend: QemuBackend | undefined;

beforeAll(async () => {
  const real = path.dirname((await buildImage({ kernel: '6.1' })).initrdPath);
  expect(await imageDamage(real)).toBeUndefined(); // sealed, as at its first use
  initrdSize = (await fs.stat(path.join(real, 'initrd.img'))).size;
  cache = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-cache-'));
  for (const e of await fs.readdir(cacheRoot()))
    if (!['images', 'locks', 'run'].includes(e)) await fs.symlink(path.join(cacheRoot(), e), path.join(cache, e));
  imageDir = path.join(cache, 'images', path.basename(real));
  await fs.cp(real, imageDir, { recursive: true, preserveTimestamps: true });
  vi.stubEnv('IPVS_CONFORM_CACHE', cache);
}, 300_000);

afterAll(async () => {
  await backend?.close();
  vi.unstubAllEnvs();
  await fs.rm(cache, { recursive: true, force: true });
});

describe('a corrupted cached image (kernel 6.1)', () => {
  it('is found before a guest boots and rebuilt; the backend then runs a case', async () => {
    await fs.truncate(path.join(imageDir, 'initrd.img'), Math.floor(initrdSize / 2));
    const vmlinux = await fs.open(path.join(imageDir, 'vmlinux'), 'r+');
    await vmlinux.write(Buffer.alloc(4096, 0xa5), 0, 4096, 8 << 20);
    await vmlinux.close();
    expect(await imageDamage(imageDir)).toMatch(/vmlinux was overwritten|initrd.img is \d+ bytes/);
    backend = createQemuBackend({ kernel: '6.1', jobs: 1, bootTimeoutMs: 180_000 });
    await backend.start();
    expect(await imageDamage(imageDir)).toBeUndefined();
    expect((await fs.stat(path.join(imageDir, 'initrd.img'))).size).toBe(initrdSize);
    const o = await backend.run({
      version: 1,
      events: [
        { op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' },
        { op: 'dest-add', svc: '10.0.0.1:80', dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
        { op: 'connect', conn: 'c1', svc: '10.0.0.1:80', client: '10.1.0.1', cport: 1001 },
      ],
    });
    expect(o.steps).toHaveLength(3);
    expect(backend.replaced).toBe(0);
  }, 900_000);
});
