// Bad input that only a build finds, through the CLI: a patch that does not apply, a patch that
// applies but does not compile, a --module directory that does not compile. Each is exit 2 with
// patch's or the compiler's first error lines, the patch's (or directory's) name and the fix,
// before any guest boots; never infrastructure, and a failed build is never cached (a second run
// compiles again and fails the same way). Each fails within seconds (the broken file is the first
// make compiles). The rows of the README's bad-input table that need a build are checked here.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { cliError, HEADER, missingFromReadme, row } from '../helpers/bad-input.js';

const BROKEN =
  '--- a/net/netfilter/ipvs/ip_vs_conn.c\n+++ b/net/netfilter/ipvs/ip_vs_conn.c\n@@ -35,6 +35,7 @@\n \n #include <net/net_namespace.h>\n #include <net/ip_vs.h>\n+static int broken = no_such_variable;\n \n \n #ifndef CONFIG_IP_VS_TAB_BITS\n';
const STALE =
  '--- a/net/netfilter/ipvs/ip_vs_wlc.c\n+++ b/net/netfilter/ipvs/ip_vs_wlc.c\n@@ -66,3 +66,3 @@\n \t\tif (dest->flags & IP_VS_DEST_F_OVERLOAD)\n-\t\t\tgoto out;\n+\t\t\treturn NULL;\n \t\tdoh = ip_vs_dest_conn_overhead(dest);\n';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'bad-build-'));
  await writeFile(path.join(tmp, 'broken.patch'), BROKEN);
  await writeFile(path.join(tmp, 'stale.patch'), STALE);
  await mkdir(path.join(tmp, 'badmod'));
  await writeFile(path.join(tmp, 'badmod/Kbuild'), 'obj-m := ip_vs_bad.o\n');
  await writeFile(path.join(tmp, 'badmod/ip_vs_bad.c'), '#include <linux/module.h>\nstatic int x = undeclared_thing;\nMODULE_LICENSE("GPL");\n');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const run = (...a: string[]) => cliError(tmp, 'run', '--kernel', '6.1', '--cases', '1', '--report', 'TMP/report', ...a);
const rows: string[] = [];

describe('bad input a build finds (kernel 6.1, real patch and make)', () => {
  it('a patch that applies but does not compile: exit 2 with the compiler\'s error and the patch\'s name, twice (nothing cached)', async () => {
    for (const attempt of [1, 2]) {
      const r = await run('--patch', 'TMP/broken.patch');
      expect(r.exitCode, r.message).toBe(EXIT.usage);
      expect(r.message).toMatch(/^kernel 6\.1's IPVS with TMP\/broken\.patch does not build; the compiler's first errors:\nnet\/netfilter\/ipvs\/ip_vs_conn\.c:38:\d+: error: .no_such_variable. undeclared/);
      expect(r.message).toMatch(/\nFix: correct broken\.patch where the compiler points/);
      expect(r.message).not.toMatch(/infrastructure|retrying| up in /);
      if (attempt === 1) rows.push(row('`--patch FILE`', 'applies but does not compile', r, 2));
    }
  }, 300_000);

  it('a patch that does not apply: exit 2 with patch\'s words and the fix', async () => {
    const r = await run('--patch', 'TMP/stale.patch');
    expect(r.exitCode, r.message).toBe(EXIT.usage);
    expect(r.message).toMatch(/Hunk #1 FAILED at 66[\s\S]*Fix: rebase the patch/);
    rows.push(row('`--patch FILE`', 'does not apply', r));
  }, 300_000);

  it('a --module directory that does not compile: exit 2 with the compiler\'s error and the directory', async () => {
    const r = await run('--module', 'TMP/badmod');
    expect(r.exitCode, r.message).toBe(EXIT.usage);
    expect(r.message).toMatch(/ip_vs_bad\.c:2:\d+: error: .undeclared_thing. undeclared/);
    expect(r.message).toMatch(/Fix: correct the sources in TMP\/badmod where the compiler points/);
    rows.push(row('`--module DIR`', 'does not compile', r, 2));
  }, 300_000);

  it("prints its rows of the README's bad-input table, and the README carries them", () => {
    expect(rows).toHaveLength(3);
    console.log(`${HEADER}\n${rows.join('\n')}`);
    expect(missingFromReadme(rows), "update the README table from this test's output").toEqual([]);
  });
});
