// Applying patches to a scratch tree: strict (no fuzz), and a patch that does not apply is the
// user's input error (exit 2) carrying patch(1)'s own message.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { applyPatches } from '../../src/patch/apply.js';

let dir: string;
let tree: string;
const SRC = ['int a;', 'int b;', 'int c;', 'int d;', 'int e;', 'int f;', 'int g;', ''].join('\n');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'patch-apply-'));
  tree = path.join(dir, 'tree');
  await mkdir(path.join(tree, 'net/netfilter/ipvs'), { recursive: true });
  await writeFile(path.join(tree, 'net/netfilter/ipvs/ip_vs_x.c'), SRC);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function patchFile(name: string, body: string): Promise<{ file: string; hash: string }> {
  const file = path.join(dir, name);
  await writeFile(file, `--- a/net/netfilter/ipvs/ip_vs_x.c\n+++ b/net/netfilter/ipvs/ip_vs_x.c\n${body}`);
  return { file, hash: '0123456789abcdef' };
}

describe('applyPatches', () => {
  it('applies patches in order with -p1', async () => {
    const one = await patchFile('1.patch', '@@ -3,3 +3,3 @@\n int c;\n-int d;\n+int D;\n int e;\n');
    const two = await patchFile('2.patch', '@@ -3,3 +3,3 @@\n int c;\n-int D;\n+int DD;\n int e;\n');
    await applyPatches(tree, [one, two], 'test tree');
    expect(await readFile(path.join(tree, 'net/netfilter/ipvs/ip_vs_x.c'), 'utf8')).toContain('int DD;');
  });

  it('refuses a patch whose lines are not there, with patch\'s message and the patch\'s hash', async () => {
    const bad = await patchFile('bad.patch', '@@ -3,3 +3,3 @@\n int c;\n-int nope;\n+int D;\n int e;\n');
    const err = await applyPatches(tree, [bad], 'kernel 6.1 (linux-source-6.1=6.1.176-1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({ code: 'IPVS_CONFORM_PATCH_APPLY', exitCode: 2 });
    const msg = (err as Error).message;
    expect(msg).toContain('bad.patch (sha256 0123456789abcdef) does not apply to kernel 6.1 (linux-source-6.1=6.1.176-1)');
    expect(msg).toMatch(/Hunk #1 FAILED/);
    expect(msg).not.toContain(tree); // paths are shown relative to the tree
  });

  it('refuses fuzz: context that differs is not applied "nearby"', async () => {
    const fuzzy = await patchFile('fuzzy.patch', '@@ -3,3 +3,3 @@\n int C;\n-int d;\n+int D;\n int e;\n');
    await expect(applyPatches(tree, [fuzzy], 't')).rejects.toMatchObject({ code: 'IPVS_CONFORM_PATCH_APPLY' });
    expect(await readFile(path.join(tree, 'net/netfilter/ipvs/ip_vs_x.c'), 'utf8')).toBe(SRC);
  });

  it('refuses a patch applied twice (patch --forward sees it reversed)', async () => {
    const one = await patchFile('1.patch', '@@ -3,3 +3,3 @@\n int c;\n-int d;\n+int D;\n int e;\n');
    await expect(applyPatches(tree, [one, one], 't')).rejects.toThrow(/previously applied/);
  });

  it('refuses a patch for a file the tree does not have', async () => {
    const file = path.join(dir, 'missing.patch');
    await writeFile(file, '--- a/net/netfilter/ipvs/ip_vs_nope.c\n+++ b/net/netfilter/ipvs/ip_vs_nope.c\n@@ -1 +1 @@\n-a\n+b\n');
    await expect(applyPatches(tree, [{ file, hash: 'h' }], 't')).rejects.toThrow(/can't find file|No file to patch/i);
  });
});
