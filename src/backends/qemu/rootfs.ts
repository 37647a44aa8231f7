// The guest's root file system without kernel modules: busybox-static with its applet links,
// ipvsadm with the libraries ldd lists and the dynamic loader, and the agent, which is /init
// itself (it mounts /proc, /sys, /dev and loads its modules; no shell runs at boot). No Node.js.
// The QEMU image adds the kernel modules; the Docker backend imports this directory as an image.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { cacheKey, hashFile, hashTree } from './hash.js';
import { withLock } from '../../host/lock.js';
import { step } from './log.js';
import { vmDir } from './paths.js';
import { cacheDir } from '../../host/cache.js';
import { ensureTools, TOOLS } from './tools.js';

/** Bump when the way the root file system is assembled changes (it is part of every cache key). */
export const ROOTFS_RECIPE = '2';

export const agentDir = path.join(vmDir, 'agent');
export const agentBinary = path.join(agentDir, 'build', 'ipvsc-agent');

/** Hash of the agent's sources (everything under vm/agent but its build directory). */
export function agentSourceHash(): Promise<string> {
  return hashTree(agentDir, ['build']);
}

/**
 * Builds the static guest agent with `make -C vm/agent` (the agent's own Makefile).
 * IPVS_CONFORM_AGENT=/path/to/binary uses a prebuilt agent instead (debugging an agent build).
 */
export async function buildAgent(): Promise<string> {
  const prebuilt = process.env.IPVS_CONFORM_AGENT;
  if (prebuilt) {
    if (!existsSync(prebuilt)) throw new InfraError('IPVS_CONFORM_NO_AGENT', `IPVS_CONFORM_AGENT=${prebuilt}: no such file`);
    return prebuilt;
  }
  if (!existsSync(path.join(agentDir, 'Makefile')))
    throw new InfraError(
      'IPVS_CONFORM_NO_AGENT',
      `expected the guest agent's Makefile at ${path.join(agentDir, 'Makefile')}, not found: the checkout is incomplete (restore vm/agent)`,
    );
  const tools = await ensureTools([TOOLS.make, TOOLS.gcc]);
  // One make at a time: parallel workers would write the same object files.
  const r = await withLock('agent-make', () =>
    step('building the guest agent (make -C vm/agent)', () => execa(tools.make!, ['-C', agentDir], { reject: false, all: true })),
  );
  if (r.exitCode !== 0 || !existsSync(agentBinary))
    throw new InfraError('IPVS_CONFORM_AGENT_BUILD', `make -C vm/agent failed (exit ${r.exitCode}):\n${String(r.all).slice(-3000)}`);
  return agentBinary;
}

/** The shared libraries and loader a dynamic binary needs, as ldd lists them. */
export async function sharedLibs(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false });
  if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_LDD', `ldd ${binary} failed: ${r.stderr}`);
  return parseLdd(r.stdout);
}

export function parseLdd(text: string): string[] {
  const libs: string[] = [];
  for (const line of text.split('\n')) {
    const arrow = line.match(/=>\s*(\/\S+)/);
    const bare = line.match(/^\s*(\/\S+)\s+\(/);
    const p = arrow?.[1] ?? bare?.[1];
    if (p) libs.push(p);
  }
  return libs;
}

/** The host files the root file system is made of (their hashes go into cache keys). */
export async function rootfsInputs(agent: string): Promise<Record<string, string>> {
  const tools = await ensureTools([TOOLS.busybox, TOOLS.ipvsadm]);
  const files: Record<string, string> = {
    busybox: tools.busybox!,
    ipvsadm: tools.ipvsadm!,
    agent,
  };
  for (const lib of await sharedLibs(tools.ipvsadm!)) files[`lib:${lib}`] = lib;
  return files;
}

/** Fills DIR (which must be empty or absent) with the root file system. */
export async function assembleRootfs(dir: string, opts: { agent: string; init?: string }): Promise<void> {
  const inputs = await rootfsInputs(opts.agent);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'run', 'etc', 'root'])
    await fs.mkdir(path.join(dir, d), { recursive: true });
  await fs.mkdir(path.join(dir, 'var'), { recursive: true });
  await fs.symlink('../run', path.join(dir, 'var', 'run'));

  await fs.copyFile(inputs.busybox!, path.join(dir, 'bin', 'busybox'));
  await fs.chmod(path.join(dir, 'bin', 'busybox'), 0o755);
  // Applet links, as `busybox --install -s` would make them (sh, modprobe for the kernel's
  // request_module, poweroff, ...), each relative so the tree works wherever it is unpacked.
  const list = await execa(inputs.busybox!, ['--list-full']);
  for (const applet of list.stdout.split('\n').filter(Boolean)) {
    const link = path.join(dir, applet);
    if (existsSync(link)) continue;
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.symlink(path.relative(path.dirname(link), path.join(dir, 'bin', 'busybox')), link);
  }

  await fs.copyFile(inputs.ipvsadm!, path.join(dir, 'sbin', 'ipvsadm'));
  await fs.chmod(path.join(dir, 'sbin', 'ipvsadm'), 0o755);
  for (const [k, lib] of Object.entries(inputs)) {
    if (!k.startsWith('lib:')) continue;
    const dst = path.join(dir, lib);
    await fs.mkdir(path.dirname(dst), { recursive: true });
    await fs.copyFile(lib, dst); // follows symlinks: the soname path gets the real file
    await fs.chmod(dst, 0o755);
  }

  await fs.copyFile(opts.agent, path.join(dir, 'sbin', 'ipvsc-agent'));
  await fs.chmod(path.join(dir, 'sbin', 'ipvsc-agent'), 0o755);
  // /init is the agent: a shell script before it cost ~70 ms of TCG CPU per boot (busybox sh,
  // three mount execs and an insmod). A test may give another /init (a script) instead.
  if (opts.init) {
    await fs.copyFile(opts.init, path.join(dir, 'init'));
    await fs.chmod(path.join(dir, 'init'), 0o755);
  } else await fs.symlink('sbin/ipvsc-agent', path.join(dir, 'init'));
  await fs.writeFile(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(path.join(dir, 'etc', 'group'), 'root:x:0:\n');
}

/** Hash of every rootfs input: host binaries and libraries, agent, a given init, recipe version. */
export async function rootfsKey(agent: string, init?: string): Promise<Record<string, string>> {
  const inputs = await rootfsInputs(agent);
  if (init) inputs.init = init;
  const key: Record<string, string> = {
    rootfsRecipe: ROOTFS_RECIPE,
    agentSource: process.env.IPVS_CONFORM_AGENT ? 'prebuilt' : await agentSourceHash(),
  };
  for (const [k, file] of Object.entries(inputs)) key[`file:${k}`] = await hashFile(file);
  return key;
}

/**
 * Builds (or reuses from the cache) the guest root file system without kernel modules, for the
 * Docker backend to `docker import`. Returns the directory; do not modify it.
 */
export async function buildRootfs(): Promise<string> {
  const agent = await buildAgent();
  const key = cacheKey(await rootfsKey(agent));
  const dir = cacheDir('rootfs', key);
  // The completion marker lives beside the tree, not in it, so the imported image stays clean.
  if (existsSync(`${dir}.complete`)) return dir;
  await withLock(`rootfs-${key}`, async () => {
    if (existsSync(`${dir}.complete`)) return;
    await step('assembling the guest root file system', async () => {
      const tmp = `${dir}.tmp-${process.pid}`;
      await fs.rm(tmp, { recursive: true, force: true });
      await assembleRootfs(tmp, { agent });
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(tmp, dir);
    });
    await fs.writeFile(`${dir}.complete`, '');
  });
  return dir;
}
