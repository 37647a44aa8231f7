// `--kernel tree:DIR`: a kernel the user built (make bzImage modules) from any tree. Checked before
// anything boots: built (bzImage, kernel.release, Module.symvers), configured as the harness needs
// (vm/tree/ipvs-conform.config; the error names every missing option), and versioned exactly
// (Makefile and include/config/kernel.release, src/kernels/version.ts). Its identity is a hash of
// what was built, so a rebuilt tree is a different kernel to the caches and to saved cases.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { hashFile } from '../backends/qemu/hash.js';
import type { KernelSpec } from '../backends/qemu/kernels.js';
import { describeMissing, kconfigSymbols, missingOptions, parseDotConfig, parseFragment, TREE_FRAGMENT, type Missing } from './tree-config.js';
import { treeVersion, type KernelVersion } from './version.js';

export const TREE_FILES = { bzImage: 'arch/x86/boot/bzImage', release: 'include/config/kernel.release', symvers: 'Module.symvers', order: 'modules.order' } as const;

export interface TreeKernel {
  spec: KernelSpec;
  version: KernelVersion;
}

const BUILD_HINT = 'make bzImage modules';

/** The options of vm/tree/ipvs-conform.config that the tree's .config lacks. */
export async function treeMissingOptions(dir: string): Promise<Missing[]> {
  const config = parseDotConfig(await readFile(path.join(dir, '.config'), 'utf8'));
  const defined = await kconfigSymbols(dir);
  return missingOptions(parseFragment(await readFile(TREE_FRAGMENT, 'utf8')), config, (o) => defined.has(o));
}

export async function resolveTree(ref: string): Promise<TreeKernel> {
  const dir = path.resolve(ref.slice('tree:'.length));
  const need = (rel: string, what: string) => {
    if (!existsSync(path.join(dir, rel)))
      throw new UsageError('IPVS_CONFORM_TREE', `tree:${dir}: ${rel} is missing (${what}). Fix: configure and build the tree (${BUILD_HINT}, see README "A kernel built from a tree")`);
  };
  need('Makefile', 'not the top of a kernel tree?');
  need('.config', 'the tree is not configured');
  const missing = await treeMissingOptions(dir);
  if (missing.length)
    throw new UsageError(
      'IPVS_CONFORM_TREE_CONFIG',
      `tree:${dir} cannot serve: its .config lacks ${missing.length} option(s) the harness needs:\n${missing.map((m) => `  ${describeMissing(m)}`).join('\n')}\n` +
        `Fix: scripts/kconfig/merge_config.sh -m .config ${TREE_FRAGMENT} && make olddefconfig && ${BUILD_HINT}`,
    );
  for (const [key, rel] of Object.entries(TREE_FILES)) need(rel, key === 'bzImage' ? 'the kernel is not built' : 'the modules are not built');
  const release = (await readFile(path.join(dir, TREE_FILES.release), 'utf8')).trim();
  const version = treeVersion(dir, await readFile(path.join(dir, 'Makefile'), 'utf8'), release);
  const spec: KernelSpec = { name: `tree:${dir}`, release, version: `${version.major}.${version.minor}.${version.patch}`, image: '', headers: [], source: '', tree: { dir, hash: await treeHash(dir) } };
  return { spec, version };
}

/** What the tree built: bzImage, .config, Module.symvers and every module in modules.order. */
async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const order = (await readFile(path.join(dir, TREE_FILES.order), 'utf8')).split('\n').filter(Boolean);
  const files = [TREE_FILES.bzImage, '.config', TREE_FILES.symvers, ...order.map((o) => o.replace(/\.o$/, '.ko'))];
  for (const f of files) h.update(`${f}\0${existsSync(path.join(dir, f)) ? await hashFile(path.join(dir, f)) : 'absent'}\n`);
  return h.digest('hex').slice(0, 16);
}
