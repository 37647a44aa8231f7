import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-atomic-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes and replaces a file whole, leaving no temporary', async () => {
    const file = path.join(dir, 'summary.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, new TextEncoder().encode('second, longer'));
    expect(await fs.readFile(file, 'utf8')).toBe('second, longer');
    expect(await fs.readdir(dir)).toEqual(['summary.json']);
  });

  it('leaves the old file and no temporary when the write fails', async () => {
    const file = path.join(dir, 'case.yaml');
    await writeFileAtomic(file, 'whole');
    // A rename onto a folder fails after the temporary was written next to it.
    await fs.mkdir(path.join(dir, 'sub', 'inner'), { recursive: true });
    await expect(writeFileAtomic(path.join(dir, 'sub'), 'x')).rejects.toThrow();
    expect(await fs.readFile(file, 'utf8')).toBe('whole');
    expect((await fs.readdir(dir)).sort()).toEqual(['case.yaml', 'sub']);
  });
});
