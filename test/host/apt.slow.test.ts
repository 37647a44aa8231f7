// Slow: talks to Debian's registry (apt-get download of a 12 KB package into a private cache).
import { execa } from 'execa';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadDeb } from '../../src/host/apt.js';

let cache: string;
const saved = process.env.IPVS_CONFORM_CACHE;
beforeAll(async () => {
  cache = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-apt-'));
  process.env.IPVS_CONFORM_CACHE = cache;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.IPVS_CONFORM_CACHE;
  else process.env.IPVS_CONFORM_CACHE = saved;
  await fs.rm(cache, { recursive: true, force: true });
});

describe('downloadDeb', () => {
  it('fetches a package once into <cache>/debs/<pkg>_<version>.deb and leaves nothing else', async () => {
    const policy = (await execa('apt-cache', ['policy', 'libmnl0'])).stdout;
    const version = /Candidate:\s*(\S+)/.exec(policy)?.[1];
    expect(version).toBeTruthy();
    const file = await downloadDeb('libmnl0', version!);
    expect(file).toBe(path.join(cache, 'debs', `libmnl0_${version}.deb`));
    const { mtimeMs } = await fs.stat(file);
    expect(await downloadDeb('libmnl0', version!)).toBe(file);
    expect((await fs.stat(file)).mtimeMs).toBe(mtimeMs);
    expect(await fs.readdir(path.join(cache, 'debs'))).toEqual([path.basename(file)]);
  }, 120_000);

  it('names a version the archive lacks, with the fix, and leaves no partial file', async () => {
    await expect(downloadDeb('libmnl0', '0.0-not-in-debian')).rejects.toMatchObject({ code: 'IPVS_CONFORM_NOT_IN_ARCHIVE', exitCode: 2, message: expect.stringMatching(/libmnl0=0\.0-not-in-debian.*the archive has versions \d.*Fix:/s) });
    await expect(downloadDeb('libmnl-no-such-package', '1.0')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/the archive has no such package.*Fix:/s) });
    expect((await fs.readdir(path.join(cache, 'debs'))).filter((n) => n.includes('not-in'))).toEqual([]);
  }, 120_000);
});
