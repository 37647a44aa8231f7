// Debian packages the builders need, fetched with `apt-get download` into the per-user cache and
// unpacked there with dpkg-deb: never installed on the host.
//   <cache>/debs/<pkg>_<version>_<arch>.deb
//   <cache>/headers/<release>/usr/src/linux-headers-<release>/   (Makefile rewritten, see below)
//   <cache>/source/<version>/{net/netfilter/ipvs,include/net/ip_vs.h,include/uapi/linux/ip_vs.h}
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InfraError, UsageError } from '../errors.js';
import { cachedDir } from './cachedir.js';
import { type KernelPin } from './env.js';
import { cacheRoot } from '../host/cache.js';
import { pipeline, sh, tail, tool } from './exec.js';
import { copySources } from './tree.js';
import { assertSourceInIndex } from '../kernels/debian.js';
import { packageVersion } from '../backends/qemu/debs.js';
import { downloadDeb } from '../host/apt.js';

/** `name=version` as written in kernels.yaml `source`. */
function splitPin(spec: string): { pkg: string; version: string } {
  const i = spec.indexOf('=');
  if (i < 1) throw new InfraError('IPVS_CONFORM_BAD_PIN', `vm/kernels.yaml source: expected "package=version", got ${JSON.stringify(spec)}`);
  return { pkg: spec.slice(0, i), version: spec.slice(i + 1) };
}

/**
 * The kernel's headers (the arch-specific directory with .config, Module.symvers and the Makefile),
 * unpacked from the pinned headers and kbuild packages. Their Makefile says
 * `include /usr/src/linux-headers-<ver>-common/Makefile`: rewritten to the unpacked copy, so
 * nothing under /usr/src is needed. (The relative `scripts -> ../../lib/linux-kbuild-*` links
 * resolve inside the unpacked tree as they are.)
 */
export async function ensureHeaders(pin: KernelPin): Promise<string> {
  // A built tree is its own build tree: .config, Module.symvers, scripts.
  if (pin.tree) return pin.tree.dir;
  if (!pin.headers.length)
    throw new UsageError(
      'IPVS_CONFORM_NO_HEADERS',
      `kernel ${pin.name} has no build headers in Debian's package index (linux-headers-${pin.release}), so no module can be built for it (--patch, --module). Fix: pick a kernel whose headers Debian still serves (\`ipvs-conform kernels\` notes the ones without), or build the kernel from a tree (--kernel tree:DIR)`,
    );
  const root = path.join(cacheRoot(), 'headers', pin.release);
  const { dir } = await cachedDir(root, async (tmp) => {
    for (const entry of pin.headers) {
      const { pkg, version } = packageVersion(entry, pin.version);
      const deb = await downloadDeb(pkg, version);
      const r = await tool('dpkg-deb', ['-x', deb, tmp]);
      if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_UNPACK', `dpkg-deb -x ${deb} failed:\n${tail(r.output)}`);
    }
    const makefile = path.join(tmp, 'usr/src', `linux-headers-${pin.release}`, 'Makefile');
    let text: string;
    try {
      text = await readFile(makefile, 'utf8');
    } catch (e) {
      throw new InfraError('IPVS_CONFORM_UNPACK', `the headers packages ${pin.headers.join(', ')} have no ${path.relative(tmp, makefile)}: is kernels.yaml's release ${pin.release} right?`, { cause: e });
    }
    // Point at the final location (the temporary directory is renamed to `root`).
    await writeFile(makefile, text.replace(/(^|\s)\/usr\/src\//gm, `$1${root}/usr/src/`));
  });
  return path.join(dir, 'usr/src', `linux-headers-${pin.release}`);
}

/** Paths of the kernel tree the builders take from linux-source (all IPVS needs out of tree). */
export const SOURCE_PATHS = ['net/netfilter/ipvs', 'include/net/ip_vs.h', 'include/uapi/linux/ip_vs.h'];

/**
 * The pinned kernel's own IPVS source, extracted from the linux-source package (a .deb holding
 * usr/src/linux-source-X.tar.xz): only SOURCE_PATHS, laid out as in the kernel tree.
 */
export async function ensureSource(pin: KernelPin): Promise<string> {
  if (pin.tree) return treeSource(pin.tree);
  const { pkg, version } = splitPin(pin.source);
  const root = path.join(cacheRoot(), 'source', `${pkg}_${version}`);
  const { dir } = await cachedDir(root, async (tmp) => {
    await assertSourceInIndex(pin.source, pin.name);
    const deb = await downloadDeb(pkg, version);
    const base = pkg; // usr/src/linux-source-6.1.tar.xz holds linux-source-6.1/...
    const members = SOURCE_PATHS.map((p) => sh(`${base}/${p}`)).join(' ');
    const r = await pipeline(
      `dpkg-deb --fsys-tarfile ${sh(deb)} | tar -xO ./usr/src/${base}.tar.xz | tar -xJ -C ${sh(tmp)} --strip-components=1 ${members}`,
    );
    if (r.exitCode !== 0) {
      throw new InfraError('IPVS_CONFORM_UNPACK', `could not extract ${SOURCE_PATHS.join(', ')} from ${deb}:\n${tail(r.output)}\nFix: delete ${deb} and retry; tar and xz-utils must be installed.`);
    }
  });
  return dir;
}

/** SOURCE_PATHS copied out of a kernel tree, once per build of it. */
async function treeSource(tree: NonNullable<KernelPin['tree']>): Promise<string> {
  const { dir } = await cachedDir(path.join(cacheRoot(), 'source', `tree-${tree.hash}`), async (tmp) => {
    // Sources only: a built tree's .o and .cmd files must not reach the patched build.
    for (const p of SOURCE_PATHS) {
      if (p.endsWith('.h')) await cp(path.join(tree.dir, p), path.join(tmp, p));
      else await copySources(path.join(tree.dir, p), path.join(tmp, p));
    }
  });
  return dir;
}
