// Where a kernel's image, modules and build headers come from: Debian's packages (downloaded and
// unpacked, debs.ts), or a kernel tree the user built (tree:DIR), whose modules are installed
// once per build (make modules_install into the per-user cache) and which is its own build tree
// for hprio. `inputs` go into the image's cache key.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { fetchDebs, unpackKernel, type UnpackedKernel } from './debs.js';
import { cacheKey } from './hash.js';
import type { KernelSpec, TreeSpec } from './kernels.js';
import { withLock } from '../../host/lock.js';
import { step } from './log.js';
import { cacheDir } from '../../host/cache.js';
import { ensureTools, TOOLS } from './tools.js';

export interface KernelFiles {
  inputs: Record<string, string>;
  unpack(): Promise<UnpackedKernel>;
}

export async function kernelFiles(spec: KernelSpec): Promise<KernelFiles> {
  if (spec.tree) {
    const tree = spec.tree;
    return { inputs: { tree: tree.hash }, unpack: () => installTreeModules(spec, tree) };
  }
  const debs = await fetchDebs(spec);
  const debsKey = cacheKey(Object.fromEntries(debs.map((d) => [d.pkg, d.sha256])));
  return { inputs: Object.fromEntries(debs.map((d) => [`deb:${d.pkg}`, d.sha256])), unpack: () => unpackKernel(spec, debs, debsKey) };
}

/** `make modules_install` of a built tree into the cache (modules.dep, modules.builtin with it). */
async function installTreeModules(spec: KernelSpec, tree: TreeSpec): Promise<UnpackedKernel> {
  const root = cacheDir('kernels', `tree-${tree.hash}`);
  const result: UnpackedKernel = {
    root,
    vmlinuz: path.join(tree.dir, 'arch', 'x86', 'boot', 'bzImage'),
    modulesDir: path.join(root, 'lib', 'modules', spec.release),
    headersDir: tree.dir,
  };
  const done = () => existsSync(path.join(root, '.complete'));
  if (done()) return result;
  const tools = await ensureTools([TOOLS.make, TOOLS.depmod]);
  await withLock(`kernel-tree-${tree.hash}`, async () => {
    if (done()) return;
    const tmp = `${root}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    const r = await step(`installing the modules of ${spec.name}`, () =>
      execa(tools.make!, ['-C', tree.dir, `INSTALL_MOD_PATH=${tmp}`, `DEPMOD=${tools.depmod}`, 'modules_install'], { reject: false, all: true }),
    );
    if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_TREE_MODULES', `make modules_install in ${tree.dir} failed (exit ${r.exitCode}):\n${String(r.all).slice(-2000)}`);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rename(tmp, root);
    await fs.writeFile(path.join(root, '.complete'), '');
  });
  return result;
}
