// Real builds of kernel 6.1's IPVS modules from linux-source-6.1 against Debian's headers
// (downloaded into the per-user cache on first use). They prove that a patched build replaces the
// stock modules one for one: same vermagic, same CRCs for everything the patch does not touch,
// and every module rebuilt consistently when the patch changes include/net/ip_vs.h.
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildOutOfTreeModule, buildPatchedModules, type BuildManifest } from '../../src/patch/build.js';
import { parseSymvers } from '../../src/patch/compat.js';
import { ensureHeaders } from '../../src/patch/debs.js';
import { HPRIO_DIR, loadKernelPin, REPO_ROOT } from '../../src/patch/env.js';

const WLC = path.join(REPO_ROOT, 'vm/examples/patches/wlc-tie-off-by-one.patch');
const SCHEDULERS_61 = ['dh', 'fo', 'lblc', 'lblcr', 'lc', 'mh', 'nq', 'ovf', 'rr', 'sed', 'sh', 'wlc', 'wrr'];
const BUILD_TIMEOUT = 600_000;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'patch-slow-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function writePatch(name: string, text: string): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, text);
  return file;
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, '..', 'build.json'), 'utf8')) as BuildManifest;

describe('buildPatchedModules (kernel 6.1, real build)', () => {
  it(
    'builds every stock IPVS module with the wlc patch, with Debian\'s vermagic and CRCs',
    async () => {
      const pin = await loadKernelPin('6.1');
      const built = await timed('6.1 + wlc patch (cold unless cached)', () => buildPatchedModules({ kernel: '6.1', patches: [WLC] }));
      const again = await timed('6.1 + wlc patch (cached)', () => buildPatchedModules({ kernel: '6.1', patches: [WLC] }));
      expect(again).toEqual(built);
      const m = await manifestOf(built.dir);
      expect(built.patches).toEqual([m.patches[0]!.hash]);
      console.log(`built in ${m.seconds} s: ${m.modules.join(' ')}`);
      expect(m.modules).toEqual(expect.arrayContaining(['ip_vs.ko', 'ip_vs_ftp.ko', 'ip_vs_pe_sip.ko', ...SCHEDULERS_61.map((s) => `ip_vs_${s}.ko`)]));
      expect(m.modules).not.toContain('ip_vs_twos.ko'); // CONFIG_IP_VS_TWOS is not set in Debian's 6.1
      expect(m.modules).toContain('ip_vs_hprio.ko');
      expect(m.patches).toEqual([{ name: path.basename(WLC), hash: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
      expect(m.abiChanged).toEqual([]);

      // vermagic names the stock release, and ip_vs.ko's exports carry exactly Debian's CRCs: the
      // build used the kernel's own config, so the stock ip_vs.ko could be swapped for ours.
      const { stdout } = await execa('modinfo', ['-F', 'vermagic', path.join(built.dir, 'ip_vs.ko')]);
      expect(stdout.split(' ')[0]).toBe(pin.release);
      const headers = await ensureHeaders(pin);
      const stock = parseSymvers(await readFile(path.join(headers, 'Module.symvers'), 'utf8'));
      const ours = parseSymvers(await readFile(path.join(built.dir, '..', 'Module.symvers'), 'utf8'));
      expect(ours.size).toBeGreaterThanOrEqual(15); // ip_vs.ko exports 20 symbols in 6.1
      for (const [name, e] of ours) expect({ name, crc: e.crc }).toEqual({ name, crc: stock.get(name)?.crc });

      // The patched source compiled differently from the stock source: wlc is the one module that changed.
      const wlc = await readFile(path.join(built.dir, 'ip_vs_wlc.ko'));
      expect(wlc.includes(Buffer.from('ip_vs_wlc_schedule'))).toBe(true);
    },
    BUILD_TIMEOUT,
  );

  it(
    'a patched include/net/ip_vs.h rebuilds every module against it, hprio included, with consistent CRCs',
    async () => {
      // Adds a member to struct ip_vs_scheduler: register_ip_vs_scheduler's CRC must change, and
      // every scheduler (hprio too) must import the new CRC from our ip_vs.ko (checked by the build).
      const file = await writePatch(
        'sched-struct.patch',
        `--- a/include/net/ip_vs.h\n+++ b/include/net/ip_vs.h\n@@ -725,6 +725,7 @@ struct ip_vs_scheduler {\n \tstruct ip_vs_dest* (*schedule)(struct ip_vs_service *svc,\n \t\t\t\t       const struct sk_buff *skb,\n \t\t\t\t       struct ip_vs_iphdr *iph);\n+\tunsigned long\t\tconform_spare;\n };\n \n /* The persistence engine object */\n`,
      );
      const built = await timed('6.1 + ip_vs.h patch', () => buildPatchedModules({ kernel: '6.1', patches: [file] }));
      const m = await manifestOf(built.dir);
      expect(m.abiChanged).toContain('register_ip_vs_scheduler');
      expect(m.modules).toContain('ip_vs_rr.ko');
      const { stdout } = await execa('modprobe', ['--dump-modversions', path.join(built.dir, 'ip_vs_rr.ko')]);
      const ours = parseSymvers(await readFile(path.join(built.dir, '..', 'Module.symvers'), 'utf8'));
      const line = stdout.split('\n').find((l) => l.endsWith('\tregister_ip_vs_scheduler'))!;
      expect(Number.parseInt(line.split('\t')[0]!, 16)).toBe(ours.get('register_ip_vs_scheduler')!.crc);

      // An out-of-tree module built with the same patch links against the patched ip_vs.ko.
      const mod = await timed('hprio against the patched header', () => buildOutOfTreeModule({ kernel: '6.1', dir: HPRIO_DIR, patches: [file] }));
      const dump = await execa('modprobe', ['--dump-modversions', mod.ko[0]!]);
      expect(dump.stdout).toContain(line);
    },
    BUILD_TIMEOUT,
  );

  it(
    'a patch that does not compile is a usage error with the compiler\'s message, file and line',
    async () => {
      const file = await writePatch(
        'broken.patch',
        // In ip_vs_conn.c, the first file make compiles, so the build fails within seconds.
        `--- a/net/netfilter/ipvs/ip_vs_conn.c\n+++ b/net/netfilter/ipvs/ip_vs_conn.c\n@@ -35,6 +35,7 @@\n \n #include <net/net_namespace.h>\n #include <net/ip_vs.h>\n+static int broken = no_such_variable;\n \n \n #ifndef CONFIG_IP_VS_TAB_BITS\n`,
      );
      const err = await buildPatchedModules({ kernel: '6.1', patches: [file] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ code: 'IPVS_CONFORM_PATCH_BUILD', exitCode: 2 });
      expect((err as Error).message).toMatch(/net\/netfilter\/ipvs\/ip_vs_conn\.c:38:\d+: error: .no_such_variable. undeclared/);
    },
    BUILD_TIMEOUT,
  );

  it(
    'a patch that does not apply is refused before anything is compiled',
    async () => {
      const file = await writePatch(
        'stale.patch',
        `--- a/net/netfilter/ipvs/ip_vs_wlc.c\n+++ b/net/netfilter/ipvs/ip_vs_wlc.c\n@@ -66,3 +66,3 @@\n \t\tif (dest->flags & IP_VS_DEST_F_OVERLOAD)\n-\t\t\tgoto out;\n+\t\t\treturn NULL;\n \t\tdoh = ip_vs_dest_conn_overhead(dest);\n`,
      );
      const t0 = performance.now();
      const err = await buildPatchedModules({ kernel: '6.1', patches: [file] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IPVS_CONFORM_PATCH_APPLY', exitCode: 2 });
      expect((err as Error).message).toMatch(/stale\.patch \(sha256 [0-9a-f]{16}\) does not apply to kernel 6\.1 \(linux-source-6\.1=6\.1\.176-1\)/);
      expect((err as Error).message).toMatch(/Hunk #1 FAILED at 66/);
      expect(performance.now() - t0).toBeLessThan(30_000); // no compiler ran
    },
    BUILD_TIMEOUT,
  );
});

describe('buildOutOfTreeModule (kernel 6.1, real build)', () => {
  it(
    'builds vm/modules/hprio against the stock headers and caches it by its source',
    async () => {
      const first = await timed('hprio module', () => buildOutOfTreeModule({ kernel: '6.1', dir: HPRIO_DIR }));
      expect(first.ko.map((k) => path.basename(k))).toEqual(['ip_vs_hprio.ko']);
      const again = await buildOutOfTreeModule({ kernel: '6.1', dir: HPRIO_DIR });
      expect(again).toEqual(first);
      const { stdout } = await execa('modinfo', ['-F', 'vermagic', first.ko[0]!]);
      expect(stdout.startsWith('6.1.0-50-cloud-amd64 SMP')).toBe(true);
    },
    BUILD_TIMEOUT,
  );

  it('refuses a directory without a Kbuild or Makefile, saying what it expected', async () => {
    await expect(buildOutOfTreeModule({ kernel: '6.1', dir: scratch })).rejects.toMatchObject({
      code: 'IPVS_CONFORM_MODULE_DIR',
      message: expect.stringMatching(/expected a Kbuild or Makefile with obj-m/),
    });
  });
});
