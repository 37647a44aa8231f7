// Building a directory of module sources out of tree against Debian's headers, the way
// `make -C /lib/modules/$(uname -r)/build M=DIR` does. The headers' include/config/auto.conf and
// autoconf.h carry Debian's own Kconfig choices (CONFIG_IP_VS_TAB_BITS=12, which schedulers are
// =m), so the IPVS Makefile builds exactly the stock set of modules with the stock settings.
import { availableParallelism } from 'node:os';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { cacheRoot } from '../host/cache.js';
import { tail, tool } from './exec.js';

export interface KbuildOptions {
  /** The arch-specific headers directory (has .config, Module.symvers, Makefile). */
  headers: string;
  /** The module source directory (has a Kbuild or Makefile with obj-m/obj-$(CONFIG_...)). */
  dir: string;
  /**
   * Directories searched before the headers' include/ (so a patched include/net/ip_vs.h wins).
   * They go into NOSTDINC_FLAGS because that comes before LINUXINCLUDE on the compiler's command
   * line (scripts/Makefile.lib c_flags); ccflags-y would come after it and lose.
   */
  includeDirs?: string[];
  /** Module.symvers of modules built beside this one (our ip_vs.ko), for modpost's CRCs. */
  extraSymvers?: string[];
  /** Prefix stripped from file names in __FILE__, debug info and error messages. */
  root: string;
  /** What is being built, for error messages. */
  what: string;
  /** What to put right when it does not compile (the patch, the module's sources). */
  fix?: string;
  /** Extra compiler flags for every object (the coverage flavour's instrumentation). */
  cflags?: string[];
}

/** Runs `make modules`; returns the .ko files built. A compiler error is the patch's: UsageError (exit 2). */
export async function kbuild(o: KbuildOptions): Promise<{ kos: string[]; log: string }> {
  const args = [
    '-C', o.headers,
    `M=${o.dir}`,
    `-j${availableParallelism()}`,
    `NOSTDINC_FLAGS=-nostdinc ${(o.includeDirs ?? []).map((d) => `-I${d}`).join(' ')}`,
    `KCFLAGS=${[`-ffile-prefix-map=${o.root}/=`, ...(o.cflags ?? [])].join(' ')}`,
    // No module BTF (as src/backends/qemu/modules.ts): 6.12's headers ship vmlinux, so kbuild would run
    // pahole for BTF that only BPF tracing uses; IPVS does not need it.
    'CONFIG_DEBUG_INFO_BTF_MODULES=',
    'modules',
  ];
  if (o.extraSymvers?.length) args.splice(args.length - 1, 0, `KBUILD_EXTRA_SYMBOLS=${o.extraSymvers.join(' ')}`);
  const r = await tool('make', args);
  const log = r.output.split(`${o.root}/`).join('');
  if (r.exitCode !== 0) throw buildFailure(o, log);
  const kos = (await readdir(o.dir)).filter((f) => f.endsWith('.ko')).sort();
  if (kos.length === 0) {
    throw new UsageError('IPVS_CONFORM_PATCH_BUILD', `${o.what}: make succeeded but built no .ko (does its Kbuild/Makefile set obj-m?)`);
  }
  return { kos: kos.map((k) => path.join(o.dir, k)), log };
}

/**
 * A build that failed: the compiler's first errors, the last lines of make, and the fix. It is the
 * input's fault (exit 2), and nothing was cached (cachedir.ts keeps only a finished build).
 */
function buildFailure(o: KbuildOptions, log: string): UsageError {
  const shown = log.split(`${cacheRoot()}/`).join('<cache>/');
  const errors = shown.split('\n').filter((l) => /\berror\b|undefined!|not found|No rule to make/i.test(l) && !/^make(\[\d+\])?: \*\*\* .*Error \d+$/.test(l));
  return new UsageError(
    'IPVS_CONFORM_PATCH_BUILD',
    `${o.what} does not build; the compiler's first errors:\n${errors.slice(0, 10).join('\n') || '(none recognised)'}\n--- last lines of make:\n${tail(shown, 15)}\n` +
      `Fix: ${o.fix ?? 'correct the sources above'} (a failed build is not cached: the next run compiles it again)`,
  );
}

/** Copies built modules into `out` without debug info, as Debian ships them (INSTALL_MOD_STRIP=1). */
export async function installStripped(kos: string[], out: string): Promise<string[]> {
  const dest: string[] = [];
  for (const ko of kos) {
    const d = path.join(out, path.basename(ko));
    await copyFile(ko, d);
    const r = await tool('strip', ['--strip-debug', d]);
    if (r.exitCode !== 0) throw new UsageError('IPVS_CONFORM_PATCH_BUILD', `strip --strip-debug ${d} failed: ${r.output}`);
    dest.push(d);
  }
  return dest;
}
