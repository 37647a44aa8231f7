// Kernel modules for the guest: the hprio scheduler built out of tree against the kernel's
// headers, and the stock modules the guest needs picked from the image by modules.dep.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { step } from './log.js';
import { vmDir } from './paths.js';
import { ensureTools, TOOLS } from './tools.js';

export const hprioSourceDir = path.join(vmDir, 'modules', 'hprio');

/** The modules /init loads at boot: the agent's channel, the topology's veth pairs, IPVS. */
export const BOOT_MODULES = ['virtio_pci', 'virtio_console', 'veth', 'ip_vs'] as const;

/** Builds an out-of-tree module directory against a headers tree; returns the built .ko files. */
export async function buildModuleDir(srcDir: string, headersDir: string, workDir: string): Promise<string[]> {
  const tools = await ensureTools([TOOLS.make, TOOLS.gcc]);
  await fs.rm(workDir, { recursive: true, force: true });
  await fs.cp(srcDir, workDir, { recursive: true });
  const r = await step(`building module ${path.basename(srcDir)} against ${path.basename(headersDir)}`, () =>
    execa(tools.make!, ['-C', headersDir, `M=${workDir}`, 'modules'], { reject: false, all: true }),
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
 * The stock modules the guest gets: BOOT_MODULES, every IPVS scheduler the kernel ships, and
 * everything they depend on (modules.dep is transitive already; closed again to be safe).
 */
export function selectModules(deps: Map<string, string[]>): string[] {
  const byName = new Map([...deps.keys()].map((rel) => [moduleName(rel), rel]));
  const roots: string[] = [];
  for (const name of BOOT_MODULES) {
    const rel = byName.get(name);
    if (!rel) throw new InfraError('IPVS_CONFORM_MODULES', `module ${name} not found in the kernel's modules.dep`);
    roots.push(rel);
  }
  roots.push(...[...deps.keys()].filter((rel) => rel.includes('/ipvs/') && isSchedulerModule(rel)));
  const chosen = new Set<string>();
  const visit = (rel: string): void => {
    if (chosen.has(rel)) return;
    chosen.add(rel);
    for (const d of deps.get(rel) ?? []) visit(d);
  };
  roots.forEach(visit);
  return [...chosen].sort();
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
  const dst = path.join(opts.rootfs, 'lib', 'modules', opts.release);
  const chosen = selectModules(deps);
  for (const rel of chosen) {
    await fs.mkdir(path.join(dst, path.dirname(rel)), { recursive: true });
    await fs.copyFile(path.join(opts.srcModulesDir, rel), path.join(dst, rel));
  }
  const extraDir = path.join(dst, 'kernel', 'net', 'netfilter', 'ipvs');
  await fs.mkdir(extraDir, { recursive: true });
  for (const ko of opts.extra) await fs.copyFile(ko, path.join(extraDir, path.basename(ko)));
  for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'])
    await fs.copyFile(path.join(opts.srcModulesDir, f), path.join(dst, f)).catch(() => undefined);
  await execa(tools.depmod!, ['-b', opts.rootfs, opts.release]);
  return { count: chosen.length + opts.extra.length };
}
