// Module source directories are hashed and copied without what an earlier `make` left in them, so
// the hash names the sources and a stale object never enters a build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dirHash, sourceFiles } from '../../src/patch/tree.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'patch-tree-'));
  await writeFile(path.join(dir, 'Kbuild'), 'obj-m := ip_vs_x.o\n');
  await writeFile(path.join(dir, 'ip_vs_x.c'), 'int x;\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('sourceFiles and dirHash', () => {
  it('leave out build artefacts and dot-directories', async () => {
    const before = await dirHash(dir);
    for (const f of ['ip_vs_x.o', 'ip_vs_x.ko', 'ip_vs_x.mod', 'ip_vs_x.mod.c', '.ip_vs_x.o.cmd', 'Module.symvers', 'modules.order']) {
      await writeFile(path.join(dir, f), 'junk');
    }
    await mkdir(path.join(dir, '.tmp_versions'));
    await writeFile(path.join(dir, '.tmp_versions', 'x'), 'junk');
    expect(await sourceFiles(dir)).toEqual(['Kbuild', 'ip_vs_x.c']);
    expect(await dirHash(dir)).toBe(before);
  });

  it('change when a source file or a file name changes', async () => {
    const before = await dirHash(dir);
    await writeFile(path.join(dir, 'ip_vs_x.c'), 'int y;\n');
    const edited = await dirHash(dir);
    expect(edited).not.toBe(before);
    await rm(path.join(dir, 'ip_vs_x.c'));
    await writeFile(path.join(dir, 'ip_vs_y.c'), 'int y;\n');
    expect(await dirHash(dir)).not.toBe(edited);
  });
});
