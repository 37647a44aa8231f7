// The root file system of the worker image, as one deterministic tar whose sha256 names the image.
// Until the VM engineer's buildRootfs() (src/vm/rootfs.ts) lands, it is assembled here from the
// same parts the guest uses: busybox-static, ipvsadm with the libraries ldd lists, the static
// guest agent (`make -C vm/agent`), plus this backend's two scripts from vm/docker/.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { cacheDir, repoRoot } from '../../vm/paths.js';
import { TOOLS, ensureTools } from '../../vm/tools.js';

export const AGENT_PATH = '/sbin/ipvsc-agent';
const BUSYBOX_APPLETS = ['sh', 'mount', 'unshare', 'cat', 'head', 'grep', 'tr', 'echo', 'sleep', 'ls'];

export interface RootfsTar {
  /** The tar file, in the cache. */
  file: string;
  /** sha256 of the tar's bytes (names, modes, contents; times and owners fixed). */
  hash: string;
}

/** Builds the guest agent (make is incremental) and returns its path. */
export async function buildAgent(): Promise<string> {
  await ensureTools([TOOLS.gcc, TOOLS.make]);
  const dir = path.join(repoRoot, 'vm/agent');
  const r = await execa('make', ['-C', dir], { reject: false, all: true });
  if (r.exitCode !== 0)
    throw new InfraError(
      'IPVS_CONFORM_AGENT_BUILD',
      `make -C vm/agent failed (exit ${r.exitCode}); the Docker workers run that agent. Output:\n${String(r.all).slice(-2000)}`,
    );
  return path.join(dir, 'build/ipvsc-agent');
}

/** Assembles the root file system in a fresh directory under the cache and tars it; returns the tar. */
export async function buildRootfsTar(): Promise<RootfsTar> {
  const tools = await ensureTools([TOOLS.busybox, TOOLS.ipvsadm]);
  const agent = await buildAgent();
  const base = cacheDir('docker');
  await fs.mkdir(base, { recursive: true });
  const stage = await fs.mkdtemp(path.join(base, 'stage-'));
  try {
    const root = path.join(stage, 'root');
    for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'tmp', 'run', 'etc']) await fs.mkdir(path.join(root, d), { recursive: true });
    await put(tools.busybox!, root, '/bin/busybox');
    for (const a of BUSYBOX_APPLETS) await fs.symlink('busybox', path.join(root, 'bin', a));
    await put(tools.ipvsadm!, root, '/sbin/ipvsadm');
    for (const lib of await sharedLibraries(tools.ipvsadm!)) await put(lib, root, lib);
    await put(agent, root, AGENT_PATH);
    for (const s of ['entrypoint.sh', 'probe.sh']) await put(path.join(repoRoot, 'vm/docker', s), root, `/${s}`);
    const tmpTar = path.join(stage, 'rootfs.tar');
    // Fixed order, times and owners: the same inputs give the same bytes, hence the same image tag.
    await execa('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-C', root, '-cf', tmpTar, '.']);
    const hash = await sha256(tmpTar);
    const file = path.join(base, `rootfs-${hash}.tar`);
    await fs.rename(tmpTar, file);
    return { file, hash };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/** The absolute paths of the shared libraries (and the loader) a dynamic binary needs, from ldd. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  return parseLdd(stdout);
}

export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // "libpopt.so.0 => /lib/x86_64-linux-gnu/libpopt.so.0 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

async function put(src: string, root: string, dest: string): Promise<void> {
  const target = path.join(root, dest);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.copyFile(src, target); // follows symlinks: the library itself, not a dangling link
  const mode = (await fs.stat(src)).mode & 0o777;
  await fs.chmod(target, mode | (/\.sh$/.test(dest) ? 0o755 : 0));
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
