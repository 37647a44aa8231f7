// Reading patches before anything is built: which tree they target, their content hash, and
// clear refusals for what patch(1) could never apply or an out-of-tree build could never rebuild.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { REPO_ROOT } from '../../src/patch/env.js';
import { contentHash, parsePatch, readPatch } from '../../src/patch/parse.js';

const WLC_HUNK = `@@ -66,7 +66,7 @@ ip_vs_wlc_schedule(struct ip_vs_service *svc, const struct sk_buff *skb,
 		if (dest->flags & IP_VS_DEST_F_OVERLOAD)
 			continue;
 		doh = ip_vs_dest_conn_overhead(dest);
-		if ((__s64)loh * atomic_read(&dest->weight) >
+		if ((__s64)loh * atomic_read(&dest->weight) >=
 		    (__s64)doh * atomic_read(&least->weight)) {
 			least = dest;
 			loh = doh;
`;

const diffOf = (p: string, hunk = WLC_HUNK) => `--- a/${p}\n+++ b/${p}\n${hunk}`;

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('parsePatch', () => {
  it('reads a git format-patch with a commit message and names the kernel tree as its target', () => {
    const text = `From: a\nSubject: [PATCH] x\n\nWhy.\n---\n x | 2 +-\n\ndiff --git a/net/netfilter/ipvs/ip_vs_wlc.c b/net/netfilter/ipvs/ip_vs_wlc.c\nindex 1..2 100644\n${diffOf('net/netfilter/ipvs/ip_vs_wlc.c')}-- \n2.39.5\n`;
    const p = parsePatch(text, 'x.patch');
    expect(p.targets).toEqual(['kernel']);
    expect(p.files).toEqual([{ path: 'net/netfilter/ipvs/ip_vs_wlc.c', hunks: 1, added: 1, removed: 1 }]);
    expect(p.hash).toBe(contentHash(text));
    expect(p.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('accepts diff -u headers with timestamps and any first path component', () => {
    const text = `--- linux-6.1.orig/include/net/ip_vs.h\t2024-01-01 00:00:00.000000000 +0000\n+++ linux-6.1/include/net/ip_vs.h\t2024-01-02 00:00:00.000000000 +0000\n@@ -1,2 +1,3 @@\n a\n+b\n c\n`;
    expect(parsePatch(text, 'h.patch').files[0]!.path).toBe('include/net/ip_vs.h');
  });

  it("targets hprio for the project's own vm/modules/hprio, and both for a mixed patch", () => {
    const hunk = '@@ -1 +1 @@\n-a\n+b\n';
    expect(parsePatch(diffOf('vm/modules/hprio/ip_vs_hprio.c', hunk), 'h').targets).toEqual(['hprio']);
    const both = diffOf('vm/modules/hprio/ip_vs_hprio.c', hunk) + diffOf('net/netfilter/ipvs/ip_vs_rr.c', hunk);
    expect(parsePatch(both, 'b').targets).toEqual(['hprio', 'kernel']);
  });

  it('accepts a new file (from /dev/null) in the IPVS directory', () => {
    const text = `--- /dev/null\n+++ b/net/netfilter/ipvs/ip_vs_new.c\n@@ -0,0 +1,2 @@\n+int x;\n+int y;\n`;
    expect(parsePatch(text, 'n').files[0]).toEqual({ path: 'net/netfilter/ipvs/ip_vs_new.c', hunks: 1, added: 2, removed: 0 });
  });

  it('hashes content, not the file name: one byte changes the hash', () => {
    const a = diffOf('net/netfilter/ipvs/ip_vs_wlc.c');
    expect(parsePatch(a, 'one').hash).toBe(parsePatch(a, 'two').hash);
    expect(parsePatch(a + '\n', 'one').hash).not.toBe(parsePatch(a, 'one').hash);
  });

  it('refuses a file outside what an out-of-tree IPVS build can rebuild, naming it and the allowed paths', () => {
    const e = usageError(() => parsePatch(diffOf('net/core/dev.c'), 'core.patch'));
    expect(e.code).toBe('IPVS_CONFORM_PATCH_SCOPE');
    expect(e.message).toContain('net/core/dev.c');
    expect(e.message).toContain('net/netfilter/ipvs/');
    expect(e.message).toContain('vm/modules/hprio/');
  });

  it('refuses text with no unified diff in it', () => {
    const e = usageError(() => parsePatch('just a commit message\n', 'empty.patch'));
    expect(e.code).toBe('IPVS_CONFORM_PATCH_MALFORMED');
    expect(e.message).toMatch(/no unified diff found/);
  });

  it('refuses a truncated hunk, saying how many lines are missing', () => {
    const cut = diffOf('net/netfilter/ipvs/ip_vs_wlc.c').split('\n').slice(0, 7).join('\n') + '\n';
    const e = usageError(() => parsePatch(cut, 'cut.patch'));
    expect(e.code).toBe('IPVS_CONFORM_PATCH_MALFORMED');
    expect(e.message).toMatch(/^cut\.patch:3: hunk of net\/netfilter\/ipvs\/ip_vs_wlc\.c ends early: 3 old and 4 new lines missing/);
  });

  it('refuses a bad hunk header and a stray line inside a hunk', () => {
    expect(usageError(() => parsePatch(diffOf('net/netfilter/ipvs/x.c', '@@ -1 +1\n-a\n+b\n'), 'h')).message).toMatch(/bad hunk header/);
    expect(usageError(() => parsePatch(diffOf('net/netfilter/ipvs/x.c', '@@ -1,2 +1,2 @@\n-a\n*b\n'), 's')).message).toMatch(/unexpected line in a hunk/);
  });

  it('refuses context diffs, binary diffs and git renames with the fix', () => {
    expect(usageError(() => parsePatch('*** a/x\n--- b/x\n', 'c')).message).toMatch(/context diff: expected a unified diff/);
    expect(usageError(() => parsePatch('diff --git a/x b/x\nGIT binary patch\n', 'b')).message).toMatch(/binary/);
    expect(usageError(() => parsePatch('diff --git a/x b/y\nrename from x\nrename to y\n', 'r')).message).toMatch(/--no-renames/);
  });

  it('refuses a file header with no hunks, and one with no directory to strip', () => {
    expect(usageError(() => parsePatch('--- a/net/netfilter/ipvs/x.c\n+++ b/net/netfilter/ipvs/x.c\n', 'n')).message).toMatch(/no hunks/);
    expect(usageError(() => parsePatch('--- x.c\n+++ x.c\n@@ -1 +1 @@\n-a\n+b\n', 'p')).message).toMatch(/patch -p1/);
  });
});

describe('readPatch', () => {
  it('parses the shipped example and hashes its bytes', async () => {
    const file = path.join(REPO_ROOT, 'vm/examples/patches/wlc-tie-off-by-one.patch');
    const p = await readPatch(file);
    expect(p.targets).toEqual(['kernel']);
    expect(p.files.map((f) => f.path)).toEqual(['net/netfilter/ipvs/ip_vs_wlc.c']);
    expect(p.hash).toBe(contentHash(await readFile(file)));
  });

  it('says which --patch file cannot be read', async () => {
    await expect(readPatch('/nonexistent/x.patch')).rejects.toMatchObject({ code: 'IPVS_CONFORM_PATCH_MISSING', exitCode: 2 });
  });
});
