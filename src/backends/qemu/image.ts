// The bootable guest for one pinned kernel: the kernel image from Debian's registry and an
// initramfs (root file system + the kernel's IPVS modules + hprio built against its headers),
// cached in the per-user cache under a key made of every input, so a second build is instant and
// any changed input (pins, .deb hashes, module source, agent source, init script, host binaries,
// this recipe's version) rebuilds.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOutOfTreeModule, buildPatchedModules } from '../../patch/build.js';
import { COLLECTOR_MODULE } from '../../coverage/flavour.js';
import { kernelFiles, type KernelFiles } from './kernel-files.js';
import { parseDebianVersion } from '../../kernels/version.js';
import { semanticsForVersion } from '../../model/semantics.js';
import { cacheKey, hashFile, hashTree } from './hash.js';
import { packInitramfs } from './initramfs.js';
import { kernelFileName, kernelSpec, type KernelSpec } from './kernels.js';
import { withLock } from '../../host/lock.js';
import { log, ms, step } from './log.js';
import { buildModuleDir, hprioSourceDir, installModules, isSchedulerModule, moduleName } from './modules.js';
import { cacheDir } from '../../host/cache.js';
import { assembleRootfs, buildAgent, rootfsKey } from './rootfs.js';
import { extractVmlinux } from './vmlinux.js';
import { ensureTools, TOOLS } from './tools.js';

export interface ImageOptions {
  kernel: string;
  patches?: string[];
  moduleDirs?: string[];
  /** The coverage flavour of the IPVS modules (src/coverage/flavour.ts). */
  coverage?: boolean;
}

export interface Image {
  /** What QEMU boots: the uncompressed vmlinux (PVH entry), see vmlinux.ts. */
  kernelPath: string;
  /** Debian's bzImage, as shipped. */
  bzImagePath: string;
  initrdPath: string;
  key: string;
  /**
   * Identity of the kernel under test: the kernel packages and the patches, without the agent or
   * the image recipe, so a saved case stays replayable across harness changes.
   */
  kernelKey: string;
  release: string;
  /** Kernel name from vm/kernels.yaml. */
  kernel: string;
  /** Content hash of the hprio module source the image was built with; '' when the kernel has no headers to build it against. */
  hprio: string;
  /** Content hashes of the patches applied to the kernel's IPVS source (src/patch), in order. */
  patches?: string[];
  /** Out-of-tree module directories built in, as `<dir name>:<build hash>`. */
  modules?: string[];
  /** Coverage flavour: the builds' notes directories (gcno and sources, src/coverage). */
  coverage?: string[];
}

/** Bump when the image recipe changes in a way the other inputs do not show. */
export const IMAGE_RECIPE = 'image-1';

/** The code that shapes an image: its hash is part of the key, so a recipe change rebuilds. */
const RECIPE_FILES = ['image.ts', 'kernel-files.ts', 'debs.ts', 'modules.ts', 'rootfs.ts', 'initramfs.ts', 'vmlinux.ts'];

async function recipeHash(): Promise<string> {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  return cacheKey(Object.fromEntries(await Promise.all(RECIPE_FILES.map(async (f) => [f, await hashFile(path.join(dir, f))]))));
}

/**
 * The kernel's identity in cache keys and in saved cases' `build.modules`: the spec as it was
 * written when vm/kernels.yaml still carried a `semantics` label (now derived from the version), so
 * keys of unchanged kernels stay the same and their saved cases replay without --force.
 */
export function specIdentity(spec: KernelSpec): string {
  if (spec.tree) return JSON.stringify(spec);
  const v = parseDebianVersion(spec.version);
  const { tree: _, ...rest } = spec;
  return JSON.stringify({ ...rest, ...(v ? { semantics: semanticsForVersion(v).semantics } : {}) });
}

export async function buildImage(opts: ImageOptions): Promise<Image> {
  const started = performance.now();
  const spec = kernelSpec(opts.kernel);
  // Patched IPVS modules (they replace the stock ip_vs*.ko and hprio) and out-of-tree module
  // directories are built by src/patch before anything else: a patch that does not apply or build
  // is a usage error before any guest boots. Their hashes go into the image key.
  const patched =
    opts.patches?.length || opts.coverage ? await buildPatchedModules({ kernel: spec.name, patches: opts.patches ?? [], coverage: opts.coverage }) : undefined;
  const extraDirs = await Promise.all(
    (opts.moduleDirs ?? []).map(async (d) => ({
      name: path.basename(path.resolve(d)),
      ...(await buildOutOfTreeModule({ kernel: spec.name, dir: d, patches: opts.patches, coverage: opts.coverage })),
    })),
  );
  await ensureTools([TOOLS.busybox, TOOLS.ipvsadm, TOOLS.depmod, TOOLS.cpio, TOOLS.gcc, TOOLS.make, TOOLS.dpkg]);
  const files = await kernelFiles(spec);
  const agent = await buildAgent();
  const hprio = await hashTree(hprioSourceDir);
  const inputs: Record<string, string> = {
    recipe: `${IMAGE_RECIPE}/${await recipeHash()}`,
    spec: specIdentity(spec),
    hprio,
    ...(await rootfsKey(agent)),
    // The kernel's identity leaves instrumentation out: a case found with --coverage replays without it.
    ...(opts.patches?.length && patched ? { patched: patched.identity } : {}),
    ...(opts.coverage && patched ? { coverage: patched.hash } : {}),
    ...Object.fromEntries(extraDirs.map((m, i) => [`module:${i}`, m.hash])),
  };
  Object.assign(inputs, files.inputs);
  const key = cacheKey(inputs);
  const kernelKey = cacheKey(
    Object.fromEntries(Object.entries(inputs).filter(([k]) => k === 'spec' || k === 'patched' || k.startsWith('deb:linux-image'))),
  );
  const dir = cacheDir('images', `${kernelFileName(spec.name)}-${key}`);
  const image: Image = {
    kernelPath: path.join(dir, 'vmlinux'),
    bzImagePath: path.join(dir, 'vmlinuz'),
    initrdPath: path.join(dir, 'initrd.img'),
    key,
    kernelKey,
    release: spec.release,
    kernel: spec.name,
    hprio: spec.headers.length || spec.tree || patched ? hprio.slice(0, 16) : '',
    ...(opts.patches?.length && patched ? { patches: patched.patches } : {}),
    ...(extraDirs.length ? { modules: extraDirs.map((m) => `${m.name}:${m.identity}`) } : {}),
    ...(patched?.coverage ? { coverage: [patched.coverage, ...extraDirs.flatMap((m) => (m.coverage ? [m.coverage] : []))] } : {}),
  };
  const cached = (): boolean => existsSync(path.join(dir, 'image.json'));
  if (cached()) {
    log(`image for kernel ${spec.name} is cached (${key}), ${ms(performance.now() - started)}`);
    return image;
  }
  // One builder per image: parallel workers wait here and then find it built.
  const built = await withLock(`image-${kernelFileName(spec.name)}-${key}`, async () => {
    if (cached()) return false;
    await buildInto(dir, image, { spec, files, agent, inputs, patched, extraDirs });
    return true;
  });
  if (!built) {
    log(`image for kernel ${spec.name} was built by another process (${key})`);
    return image;
  }
  const size = (await fs.stat(image.initrdPath)).size;
  log(`image for kernel ${spec.name} built (${key}, initramfs ${(size / 1e6).toFixed(1)} MB) in ${ms(performance.now() - started)}`);
  return image;
}

async function buildInto(
  dir: string,
  image: Image,
  o: {
    spec: KernelSpec;
    files: KernelFiles;
    agent: string;
    inputs: Record<string, string>;
    patched: { dir: string } | undefined;
    extraDirs: { ko: string[] }[];
  },
): Promise<void> {
  const { spec, files, agent, inputs, patched, extraDirs } = o;
  const unpacked = await files.unpack();
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  try {
    // With patches, ip_vs.ko, the schedulers and hprio all come from the patched build (same names
    // as the stock files, so they replace them); the ftp and pe_sip helpers are not in the guest.
    const kos = patched
      ? (await fs.readdir(patched.dir))
          .filter((f) => moduleName(f) === 'ip_vs' || moduleName(f) === COLLECTOR_MODULE || isSchedulerModule(f))
          .map((f) => path.join(patched.dir, f))
      : await buildHprio(spec, unpacked.headersDir, path.join(tmp, 'build-hprio'));
    kos.push(...extraDirs.flatMap((m) => m.ko));
    const root = path.join(tmp, 'root');
    await step('assembling the guest root file system', () => assembleRootfs(root, { agent }));
    const mods = await step('adding kernel modules (depmod)', () =>
      installModules({ rootfs: root, release: spec.release, srcModulesDir: unpacked.modulesDir, extra: kos }),
    );
    log(`${mods.count} modules in the initramfs`);
    await step('packing the initramfs', () => packInitramfs(root, path.join(tmp, 'initrd.img')));
    await fs.copyFile(unpacked.vmlinuz, path.join(tmp, 'vmlinuz'));
    const { format } = await step('extracting vmlinux for a PVH boot', () => extractVmlinux(unpacked.vmlinuz, path.join(tmp, 'vmlinux')));
    log(`vmlinux was ${format}-compressed in the bzImage`);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(path.join(tmp, 'build-hprio'), { recursive: true, force: true });
    await fs.writeFile(path.join(tmp, 'image.json'), JSON.stringify({ ...image, inputs }, null, 2) + '\n');
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** hprio built against the kernel's headers; none where Debian's index no longer has them. */
async function buildHprio(spec: KernelSpec, headersDir: string | undefined, workDir: string): Promise<string[]> {
  if (headersDir) return buildModuleDir(hprioSourceDir, headersDir, workDir);
  log(`kernel ${spec.name} has no headers in Debian's index: hprio is not built; its own schedulers are tested`);
  return [];
}
