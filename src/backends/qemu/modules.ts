// Kernel modules for the guest: the hprio scheduler built out of tree against the kernel's
// headers, and the stock modules the guest needs picked from the image by modules.dep.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { step } from './log.js';
import { vmDir } from './paths.js';
import { ensureTools, runToFile, TOOLS } from './tools.js';

export const hprioSourceDir = path.join(vmDir, 'modules', 'hprio');

/**
 * The modules the guest needs at boot: the agent's channel, the topology's veth pairs, IPVS, and
 * ipip and ip6_tunnel to decapsulate what Tunnel destinations receive.
 * The agent loads them itself (finit_module, in-process: cheaper under TCG than busybox modprobe).
 */
export const BOOT_MODULES = ['virtio_pci', 'virtio_console', 'veth', 'ip_vs', 'ipip', 'ip6_tunnel'] as const;

/**
 * Modules the agent loads when a case first needs them: the director's packet marks for fwmark
 * services (clsact, flower, skbedit; vm/agent/src/mark.c).
 */
export const ON_DEMAND_MODULES = ['sch_ingress', 'cls_flower', 'act_skbedit'] as const;

/** Builds an out-of-tree module directory against a headers tree; returns the built .ko files. */
export async function buildModuleDir(srcDir: string, headersDir: string, workDir: string): Promise<string[]> {
  const tools = await ensureTools([TOOLS.make, TOOLS.gcc]);
  await fs.rm(workDir, { recursive: true, force: true });
  await fs.cp(srcDir, workDir, { recursive: true });
  const r = await step(`building module ${path.basename(srcDir)} against ${path.basename(headersDir)}`, () =>
    // No module BTF: 6.12's headers ship vmlinux, so kbuild would run pahole (package dwarves)
    // for BTF that only BPF tracing uses. IPVS does not need it.
    execa(tools.make!, ['-C', headersDir, `M=${workDir}`, 'CONFIG_DEBUG_INFO_BTF_MODULES=', 'modules'], {
      reject: false,
      all: true,
    }),
  );
  if (r.exitCode !== 0)
    throw new InfraError('IPVS_CONFORM_MODULE_BUILD', `building ${srcDir} failed (make exit ${r.exitCode}):\n${String(r.all).slice(-3000)}`);
  const kos = (await fs.readdir(workDir)).filter((f) => f.endsWith('.ko')).map((f) => path.join(workDir, f));
  if (kos.length === 0) throw new InfraError('IPVS_CONFORM_MODULE_BUILD', `building ${srcDir}: make succeeded but produced no .ko`);
  return kos;
}

/** modules.dep as a map from a module's path to the paths it needs (relative to lib/modules/<release>). */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    deps.set(line.slice(0, i), line.slice(i + 1).trim().split(/\s+/).filter(Boolean));
  }
  return deps;
}

export function moduleName(rel: string): string {
  return path.basename(rel).replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

/** IPVS scheduler modules: ip_vs_<sched>.ko, not ip_vs.ko itself, the ftp helper or the pe_* engines. */
export function isSchedulerModule(rel: string): boolean {
  const n = moduleName(rel);
  return n.startsWith('ip_vs_') && n !== 'ip_vs_ftp' && !n.startsWith('ip_vs_pe_');
}

/**
 * The stock modules the guest gets: BOOT_MODULES that are not built in (6.12 builds virtio in),
 * every IPVS scheduler the kernel ships, and everything they depend on (modules.dep is
 * transitive already; closed again to be safe). `preload` are soft dependencies /init loads first.
 */
export function selectModules(
  deps: Map<string, string[]>,
  builtin: Set<string>,
  soft: SoftDeps = { pre: new Map(), aliases: new Map() },
): { files: string[]; preload: string[] } {
  const byName = new Map([...deps.keys()].map((rel) => [moduleName(rel), rel]));
  const roots: string[] = [];
  for (const name of [...BOOT_MODULES, ...ON_DEMAND_MODULES]) {
    const rel = byName.get(name);
    if (rel) {
      roots.push(rel);
    } else if (!builtin.has(name)) {
      throw new InfraError('IPVS_CONFORM_MODULES', `module ${name} is neither in the kernel's modules.dep nor built in (modules.builtin)`);
    }
  }
  roots.push(...[...deps.keys()].filter((rel) => rel.includes('/ipvs/') && isSchedulerModule(rel)));
  const chosen = new Set<string>();
  const visit = (rel: string): void => {
    if (chosen.has(rel)) return;
    chosen.add(rel);
    for (const d of deps.get(rel) ?? []) visit(d);
  };
  roots.forEach(visit);
  // Soft dependencies (modules.softdep "pre:"), which neither busybox modprobe nor the agent's
  // loader follow: 6.12's libcrc32c needs crc32c (a module there, built in on 6.1). They are
  // added to the files and loaded by /init before the agent starts.
  const pre: string[] = [];
  for (const rel of [...chosen]) {
    for (const want of soft.pre.get(moduleName(rel)) ?? []) {
      if (builtin.has(want) || soft.builtinAliases?.has(want)) continue;
      const target = byName.get(want) ?? pickAlias(soft.aliases.get(want) ?? [], byName, builtin);
      if (!target) continue; // built in under another name, or not needed on this kernel
      visit(target);
      if (!pre.includes(target)) pre.push(target);
    }
  }
  return { files: [...chosen].sort(), preload: pre };
}

export interface SoftDeps {
  /** Module name -> names (or aliases) to load before it. */
  pre: Map<string, string[]>;
  /** Alias -> module names. */
  aliases: Map<string, string[]>;
  /** Aliases that built-in code provides (modules.builtin.modinfo), e.g. 6.1's crc32c. */
  builtinAliases?: Set<string>;
}

/** Aliases of built-in modules: modules.builtin.modinfo is NUL-separated `module.alias=NAME` records. */
export function parseBuiltinAliases(modinfo: string): Set<string> {
  const out = new Set<string>();
  for (const rec of modinfo.split('\0')) {
    const m = rec.match(/^[^.]+\.alias=(.+)$/);
    if (m) out.add(m[1]!);
  }
  return out;
}

/** For an alias served by several modules, the portable one (crc32c_generic, not crc32c_intel which needs SSE4.2). */
function pickAlias(names: string[], byName: Map<string, string>, builtin: Set<string>): string | undefined {
  if (names.some((n) => builtin.has(n))) return undefined;
  const n = names.find((x) => x.endsWith('_generic')) ?? names[0];
  return n === undefined ? undefined : byName.get(n);
}

export function parseSoftDeps(softdep: string, alias: string): SoftDeps {
  const pre = new Map<string, string[]>();
  for (const line of softdep.split('\n')) {
    const m = line.match(/^softdep\s+(\S+)\s+(.*)$/);
    if (!m) continue;
    const words = m[2]!.split(/\s+/);
    const list: string[] = [];
    let inPre = false;
    for (const w of words) {
      if (w === 'pre:') inPre = true;
      else if (w === 'post:') inPre = false;
      else if (inPre && w) list.push(w.replaceAll('-', '_'));
    }
    if (list.length) pre.set(m[1]!.replaceAll('-', '_'), list);
  }
  const aliases = new Map<string, string[]>();
  for (const line of alias.split('\n')) {
    const m = line.match(/^alias\s+(\S+)\s+(\S+)$/);
    if (!m) continue;
    const list = aliases.get(m[1]!) ?? [];
    list.push(m[2]!.replaceAll('-', '_'));
    aliases.set(m[1]!, list);
  }
  return { pre, aliases };
}

/** Names in modules.builtin ("kernel/drivers/virtio/virtio_pci.ko" per line). */
export function parseBuiltin(text: string): Set<string> {
  return new Set(text.split('\n').filter(Boolean).map(moduleName));
}

/** The .ko path a possibly compressed module is stored under in the guest (stored uncompressed). */
export function uncompressedPath(rel: string): string {
  return rel.replace(/\.(xz|zst|gz)$/, '');
}

/** Copies a module, decompressing .ko.xz/.ko.zst/.ko.gz: loading a plain .ko needs no in-kernel decompressor. */
async function copyModule(src: string, dst: string): Promise<void> {
  const ext = path.extname(src);
  if (ext === '.ko') return fs.copyFile(src, dst);
  const tool = ext === '.xz' ? TOOLS.xz : ext === '.zst' ? TOOLS.zstd : ext === '.gz' ? TOOLS.gzip : undefined;
  if (!tool) throw new InfraError('IPVS_CONFORM_MODULES', `unexpected module file ${src}: want .ko, .ko.xz, .ko.zst or .ko.gz`);
  const tools = await ensureTools([tool]);
  const r = await runToFile(tools[tool.cmd]!, ['-dc', src], dst);
  if (r.code !== 0) throw new InfraError('IPVS_CONFORM_MODULES', `${tool.cmd} -dc ${src} failed: ${r.stderr.trim()}`);
}

/**
 * Puts the chosen modules (and the extra built ones) under DIR/lib/modules/<release> and runs
 * depmod there. Extra modules go beside the stock IPVS schedulers so a scan of that directory
 * finds them too; modprobe only cares about modules.dep.
 */
export async function installModules(opts: {
  rootfs: string;
  release: string;
  srcModulesDir: string;
  extra: string[];
}): Promise<{ count: number }> {
  const tools = await ensureTools([TOOLS.depmod]);
  const deps = parseModulesDep(await fs.readFile(path.join(opts.srcModulesDir, 'modules.dep'), 'utf8'));
  const builtin = parseBuiltin(await fs.readFile(path.join(opts.srcModulesDir, 'modules.builtin'), 'utf8'));
  const dst = path.join(opts.rootfs, 'lib', 'modules', opts.release);
  const read = (f: string) => fs.readFile(path.join(opts.srcModulesDir, f), 'utf8').catch(() => '');
  const soft = parseSoftDeps(await read('modules.softdep'), await read('modules.alias'));
  soft.builtinAliases = parseBuiltinAliases(await read('modules.builtin.modinfo'));
  const { files: chosen, preload } = selectModules(deps, builtin, soft);
  for (const rel of chosen) {
    await fs.mkdir(path.join(dst, path.dirname(rel)), { recursive: true });
    await copyModule(path.join(opts.srcModulesDir, rel), path.join(dst, uncompressedPath(rel)));
  }
  // /init insmods these, in order, before the agent loads the rest (absolute paths, no lookups).
  await fs.mkdir(path.join(opts.rootfs, 'etc'), { recursive: true });
  const inGuest = (rel: string) => `/lib/modules/${opts.release}/${uncompressedPath(rel)}`;
  await fs.writeFile(path.join(opts.rootfs, 'etc', 'ipvsc-preload'), preload.map((r) => inGuest(r) + '\n').join(''));
  const extraDir = path.join(dst, 'kernel', 'net', 'netfilter', 'ipvs');
  await fs.mkdir(extraDir, { recursive: true });
  for (const ko of opts.extra) await fs.copyFile(ko, path.join(extraDir, path.basename(ko)));
  for (const f of ['modules.builtin', 'modules.builtin.modinfo'])
    await fs.copyFile(path.join(opts.srcModulesDir, f), path.join(dst, f)).catch(() => undefined);
  await execa(tools.depmod!, ['-b', opts.rootfs, opts.release]);
  return { count: chosen.length + opts.extra.length };
}
