// PATCH → VM: builds the IPVS modules of a pinned kernel from that kernel's own source with
// patches applied (buildPatchedModules), and out-of-tree scheduler modules (buildOutOfTreeModule),
// against Debian's headers, so they replace the stock modules one for one in the stock image.
// Builds are cached by what goes into them; every build is checked to load in the stock kernel
// (vermagic and modversions CRCs, compat.ts).
//
// Cache layout (per-user cache, see env.ts):
//   patched/<kernel>/<hash>/modules/*.ko    ip_vs.ko, every ip_vs_<sched>.ko, ip_vs_hprio.ko
//   patched/<kernel>/<hash>/include/        the patched include/ (for modules built against it)
//   patched/<kernel>/<hash>/Module.symvers  exports of the rebuilt modules
//   patched/<kernel>/<hash>/build.json      what went in (BuildManifest), build.log
//   patched/<kernel>/<hash>/cov/            coverage flavour only: .gcno notes and sources (src/coverage)
//   module/<kernel>/<hash>/*.ko, build.json an out-of-tree module directory's build
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { InfraError, UsageError } from '../errors.js';
import { applyPatches } from './apply.js';
import { cachedDir, exists } from './cachedir.js';
import { checkCompat, parseSymvers } from './compat.js';
import { ensureHeaders, ensureSource } from './debs.js';
import { HPRIO_DIR, loadKernelPin } from './env.js';
import { cacheRoot } from '../host/cache.js';
import { installStripped, kbuild } from './kbuild.js';
import { contentHash, readPatch } from './parse.js';
import { copySources, dirHash } from './tree.js';
import { buildCollector, COLLECTOR_DIR, COVERAGE_CFLAGS, keepNotes } from '../coverage/flavour.js';
import { kernelFileName } from '../backends/qemu/kernels.js';

/** Bumped whenever the recipe below changes what a build produces, so old cache entries are not reused. */
const RECIPE = 3;

export interface BuildManifest {
  recipe: number;
  kernel: string;
  release: string;
  version: string;
  source?: string;
  /**
   * The patches by content hash, with the file name they had when this entry was built. The cache
   * is keyed by content, so the same patch from another checkout or folder reuses the entry: no path.
   */
  patches: { name: string; hash: string }[];
  /** Source hash of the module directory built (hprio, or the --module directory). */
  moduleSource?: string;
  modules: string[];
  /** Exports whose CRC differs from the stock kernel's: the patch changed an ABI. */
  abiChanged: string[];
  /** Built with gcov's arc counters and the collector module (src/coverage/flavour.ts). */
  coverage?: boolean;
  seconds: number;
}

async function hasKbuild(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'Kbuild'))) || (await exists(path.join(dir, 'Makefile')));
}

/**
 * Builds the pinned kernel's IPVS modules with `patches` applied (in order) and returns the
 * directory of .ko files to use instead of the stock ones, and the build's hash (the cache key,
 * recorded as Observation.build.modules). With no patches it builds the stock source: the same
 * modules, CRC for CRC, as Debian's.
 */
export async function buildPatchedModules(opts: {
  kernel: string;
  patches: string[];
  /** The coverage flavour: instrumented modules, the collector, and cov/ notes (src/coverage). */
  coverage?: boolean;
}): Promise<{
  dir: string;
  hash: string;
  /** The hash of the same build without coverage: the kernel's identity (instrumenting changes no behaviour). */
  identity: string;
  /** Each patch's content hash, in order (Observation.build.patches). */
  patches: string[];
  /** The coverage flavour's notes directory. */
  coverage?: string;
}> {
  const r = await buildPatched(opts);
  return {
    dir: path.join(r.root, 'modules'),
    hash: r.hash,
    identity: r.identity,
    patches: r.patches,
    ...(opts.coverage ? { coverage: path.join(r.root, 'cov') } : {}),
  };
}

async function buildPatched(opts: { kernel: string; patches: string[]; coverage?: boolean }): Promise<{ root: string; hash: string; identity: string; cached: boolean; patches: string[] }> {
  const pin = await loadKernelPin(opts.kernel);
  const patches = await Promise.all(opts.patches.map(readPatch));
  const hprio = (await hasKbuild(HPRIO_DIR)) ? HPRIO_DIR : undefined;
  const wantsHprio = patches.filter((p) => p.targets.includes('hprio'));
  if (wantsHprio.length && !hprio) {
    throw new UsageError('IPVS_CONFORM_PATCH_APPLY', `${wantsHprio[0]!.file} patches vm/modules/hprio/, which has no Kbuild or Makefile in this checkout`);
  }
  const hprioHash = hprio ? await dirHash(hprio) : undefined;
  const key = { recipe: RECIPE, kernel: pin.name, release: pin.release, version: pin.version, source: pin.source, patches: patches.map((p) => p.hash), hprio: hprioHash };
  const identity = contentHash(JSON.stringify(key));
  const hash = opts.coverage ? contentHash(JSON.stringify({ ...key, coverage: await dirHash(COLLECTOR_DIR) })) : identity;
  const final = path.join(cacheRoot(), 'patched', kernelFileName(pin.name), hash);
  const { dir, cached } = await cachedDir(final, async (tmp) => {
    const t0 = Date.now();
    const [headers, source] = await Promise.all([ensureHeaders(pin), ensureSource(pin)]);
    const tree = path.join(tmp, 'tree');
    await cp(source, tree, { recursive: true });
    if (hprio) await copySources(hprio, path.join(tree, 'vm/modules/hprio'));
    const applyLog = await applyPatches(tree, patches, `kernel ${pin.name} (${pin.source})${hprio ? ' + vm/modules/hprio' : ''}`);
    const includeDirs = [path.join(tree, 'include'), path.join(tree, 'include/uapi')];
    const ipvsDir = path.join(tree, 'net/netfilter/ipvs');
    const what = patches.length ? `kernel ${pin.name}'s IPVS with ${patches.map((p) => p.file).join(', ')}` : `kernel ${pin.name}'s IPVS`;
    const fix = patches.length ? `correct ${patches.map((p) => path.basename(p.file)).join(' or ')} where the compiler points` : undefined;
    const collector = opts.coverage ? await buildCollector(headers, tree) : undefined;
    const cflags = collector ? COVERAGE_CFLAGS : [];
    const collectorSymvers = collector ? [collector.symvers] : [];
    const ipvs = await kbuild({ headers, dir: ipvsDir, includeDirs, extraSymvers: collectorSymvers, root: tree, what, fix, cflags });
    let hprioKos: string[] = [];
    let hprioLog = '';
    if (hprio) {
      const h = await kbuild({
        headers,
        dir: path.join(tree, 'vm/modules/hprio'),
        includeDirs,
        extraSymvers: [path.join(ipvsDir, 'Module.symvers'), ...collectorSymvers],
        root: tree,
        what: `vm/modules/hprio against ${what}`,
        fix,
        cflags,
      });
      hprioKos = h.kos;
      hprioLog = h.log;
    }
    const modules = path.join(tmp, 'modules');
    await mkdir(modules);
    const kos = await installStripped([...ipvs.kos, ...hprioKos, ...(collector ? [collector.ko] : [])], modules);
    // The collector's exports go with ours: a --module build against this one needs them too.
    const ownText = (await Promise.all([path.join(ipvsDir, 'Module.symvers'), ...collectorSymvers].map((f) => readFile(f, 'utf8')))).join('');
    if (collector) await keepNotes(tree, ['net/netfilter/ipvs', ...(hprio ? ['vm/modules/hprio'] : [])], path.join(tmp, 'cov'));
    const compat = await checkCompat({
      kos,
      release: pin.release,
      stock: parseSymvers(await readFile(path.join(headers, 'Module.symvers'), 'utf8')),
      own: parseSymvers(ownText),
    });
    // Keep what dependants need (buildOutOfTreeModule with patches), drop objects. The module
    // column must not read net/netfilter/ipvs/ip_vs: modpost would then see the stock ip_vs (in the
    // headers' Module.symvers) export everything twice and refuse (scripts/mod/modpost.c
    // sym_add_exported); a distinct name makes ours the later, winning definition.
    await writeFile(path.join(tmp, 'Module.symvers'), ownText.split(`${tree}/`).join('ipvs-conform-patched/'));
    await cp(path.join(tree, 'include'), path.join(tmp, 'include'), { recursive: true });
    await rm(tree, { recursive: true, force: true });
    await writeFile(path.join(tmp, 'build.log'), [...applyLog, collector?.log ?? '', ipvs.log, hprioLog].join('\n'));
    const manifest: BuildManifest = {
      recipe: RECIPE,
      kernel: pin.name,
      release: pin.release,
      version: pin.version,
      source: pin.source,
      patches: patches.map((p) => ({ name: path.basename(p.file), hash: p.hash })),
      ...(hprioHash ? { moduleSource: hprioHash } : {}),
      modules: kos.map((k) => path.basename(k)),
      abiChanged: compat.abiChanged,
      ...(collector ? { coverage: true } : {}),
      seconds: (Date.now() - t0) / 1000,
    };
    await writeFileAtomic(path.join(tmp, 'build.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  return { root: dir, hash, identity, cached, patches: patches.map((p) => p.hash) };
}

/**
 * Builds an out-of-tree module directory (like vm/modules/hprio: a Kbuild or Makefile with obj-m)
 * against the pinned kernel's headers and returns its .ko files and the build's hash (recorded as
 * Observation.build.module). With `patches`, it is built against the patched include/net/ip_vs.h and
 * the patched ip_vs.ko's CRCs, so it loads beside buildPatchedModules' modules.
 */
export async function buildOutOfTreeModule(opts: { kernel: string; dir: string; patches?: string[]; coverage?: boolean }): Promise<{ ko: string[]; hash: string; identity: string; coverage?: string }> {
  const pin = await loadKernelPin(opts.kernel);
  const src = path.resolve(opts.dir);
  if (!(await exists(src))) throw new UsageError('IPVS_CONFORM_MODULE_DIR', `--module ${opts.dir}: expected a module source directory, got no such directory. Fix: name the directory holding the module's Kbuild and .c files`);
  if (!(await hasKbuild(src))) {
    throw new UsageError('IPVS_CONFORM_MODULE_DIR', `--module ${opts.dir}: expected a Kbuild or Makefile with obj-m := ip_vs_<name>.o, found neither. Fix: add ${path.join(opts.dir, 'Kbuild')} holding obj-m := ip_vs_<name>.o, as vm/modules/hprio/Kbuild does`);
  }
  // The coverage flavour builds against the instrumented IPVS build (for the collector's exports).
  const patched = opts.patches?.length || opts.coverage ? await buildPatched({ kernel: pin.name, patches: opts.patches ?? [], coverage: opts.coverage }) : undefined;
  const moduleSource = await dirHash(src);
  const key = { recipe: RECIPE, kernel: pin.name, release: pin.release, version: pin.version, module: moduleSource };
  // What the same build would be called without coverage: the module's identity in case files.
  const identity = contentHash(JSON.stringify({ ...key, patched: opts.patches?.length ? patched!.identity : null }));
  const hash = opts.coverage ? contentHash(JSON.stringify({ ...key, patched: patched!.hash, coverage: true })) : identity;
  const final = path.join(cacheRoot(), 'module', kernelFileName(pin.name), hash);
  const { dir } = await cachedDir(final, async (tmp) => {
    const t0 = Date.now();
    const headers = await ensureHeaders(pin);
    const root = path.join(tmp, 'src');
    const work = path.join(root, path.basename(src));
    await copySources(src, work);
    const includeDirs = patched ? [path.join(patched.root, 'include'), path.join(patched.root, 'include/uapi')] : [];
    const extraSymvers = patched ? [path.join(patched.root, 'Module.symvers')] : [];
    const cflags = opts.coverage ? COVERAGE_CFLAGS : [];
    const built = await kbuild({ headers, dir: work, includeDirs, extraSymvers, root, what: `module ${opts.dir} for kernel ${pin.name}`, fix: `correct the sources in ${opts.dir} where the compiler points`, cflags });
    if (opts.coverage) await keepNotes(root, [path.basename(src)], path.join(tmp, 'cov'));
    const kos = await installStripped(built.kos, tmp);
    const compat = await checkCompat({
      kos,
      release: pin.release,
      stock: parseSymvers(await readFile(path.join(headers, 'Module.symvers'), 'utf8')),
      own: patched ? parseSymvers(await readFile(path.join(patched.root, 'Module.symvers'), 'utf8')) : new Map(),
    });
    await rm(root, { recursive: true, force: true });
    await writeFile(path.join(tmp, 'build.log'), built.log);
    const manifest: BuildManifest = {
      recipe: RECIPE,
      kernel: pin.name,
      release: pin.release,
      version: pin.version,
      patches: [],
      moduleSource,
      modules: kos.map((k) => path.basename(k)),
      abiChanged: compat.abiChanged,
      seconds: (Date.now() - t0) / 1000,
    };
    await writeFileAtomic(path.join(tmp, 'build.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  const ko = (await readdir(dir)).filter((f) => f.endsWith('.ko')).sort();
  if (ko.length === 0) throw new InfraError('IPVS_CONFORM_CACHE', `${dir} holds no .ko: delete it and retry`);
  return { ko: ko.map((f) => path.join(dir, f)), hash, identity, ...(opts.coverage ? { coverage: path.join(dir, 'cov') } : {}) };
}
