// The kernel image and its headers, as .deb files from Debian's registry (`apt-get download`,
// never installed on the host), unpacked into the per-user cache.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../../errors.js';
import { downloadDeb } from '../../host/apt.js';
import { hashFile } from './hash.js';
import { kernelFileName, type KernelSpec } from './kernels.js';
import { withLock } from '../../host/lock.js';
import { step } from './log.js';
import { cacheDir } from '../../host/cache.js';
import { ensureTools, TOOLS } from './tools.js';

export interface Deb {
  pkg: string;
  file: string;
  sha256: string;
}

export interface UnpackedKernel {
  /** Root of the unpacked packages (boot/, lib/modules/, usr/src/). */
  root: string;
  vmlinuz: string;
  /** lib/modules/<release> of the unpacked image (with depmod output). */
  modulesDir: string;
  /** The headers' build tree, its Makefile rewritten to include the unpacked common headers; none when the kernel has no headers (hprio is then not built). */
  headersDir: string | undefined;
}

/** Downloads (once) the image and header packages pinned for a kernel; returns them with their hashes. */
export async function fetchDebs(spec: KernelSpec): Promise<Deb[]> {
  await ensureTools([TOOLS.apt, TOOLS.dpkg]);
  const debs: Deb[] = [];
  for (const entry of [spec.image, ...spec.headers]) {
    const { pkg, version } = packageVersion(entry, spec.version);
    const cached = path.join(cacheDir('debs'), `${pkg}_${version}.deb`);
    const file = existsSync(cached) ? cached : await step(`downloading ${pkg}=${version}`, () => downloadDeb(pkg, version));
    debs.push({ pkg, file, sha256: await debHash(file) });
  }
  return debs;
}

/** A package entry: `name` (at the kernel's version) or `name=version` (a kbuild from another point release). */
export function packageVersion(entry: string, version: string): { pkg: string; version: string } {
  const i = entry.indexOf('=');
  return i < 0 ? { pkg: entry, version } : { pkg: entry.slice(0, i), version: entry.slice(i + 1) };
}

/** A .deb's sha256, remembered beside it (with its size and mtime) so a cache hit stays instant. */
async function debHash(file: string): Promise<string> {
  const st = await fs.stat(file);
  const stamp = `${st.size} ${st.mtimeMs}`;
  const side = `${file}.sha256`;
  try {
    const [hash, ...rest] = (await fs.readFile(side, 'utf8')).trim().split(' ');
    if (hash && rest.join(' ') === stamp) return hash;
  } catch {
    // not hashed yet
  }
  const hash = await hashFile(file);
  await fs.writeFile(side, `${hash} ${stamp}\n`);
  return hash;
}

/** Unpacks the packages (once per set of .deb hashes) and prepares the headers for out-of-tree builds. */
export async function unpackKernel(spec: KernelSpec, debs: Deb[], debsKey: string): Promise<UnpackedKernel> {
  const root = cacheDir('kernels', `${kernelFileName(spec.name)}-${debsKey}`);
  const result: UnpackedKernel = {
    root,
    vmlinuz: path.join(root, 'boot', `vmlinuz-${spec.release}`),
    modulesDir: path.join(root, 'lib', 'modules', spec.release),
    headersDir: spec.headers.length ? path.join(root, 'usr', 'src', `linux-headers-${spec.release}`) : undefined,
  };
  const complete = (): boolean => existsSync(path.join(root, '.complete'));
  if (complete()) return result;
  await withLock(`kernel-${kernelFileName(spec.name)}-${debsKey}`, async () => {
    if (complete()) return;
    await unpackInto(root, spec, debs);
  });
  if (!existsSync(result.vmlinuz)) throw new InfraError('IPVS_CONFORM_UNPACK', `expected ${result.vmlinuz} in ${spec.image}, not found`);
  return result;
}

async function unpackInto(root: string, spec: KernelSpec, debs: Deb[]): Promise<void> {
  const tools = await ensureTools([TOOLS.dpkg, TOOLS.depmod]);
  await step(`unpacking ${debs.length} packages for kernel ${spec.name}`, async () => {
    await fs.rm(root, { recursive: true, force: true });
    const tmp = `${root}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    for (const d of debs) await execa(tools['dpkg-deb']!, ['-x', d.file, tmp]);
    // The headers' Makefile includes the common headers by absolute /usr/src path; point it here.
    if (spec.headers.length) {
      const mk = path.join(tmp, 'usr', 'src', `linux-headers-${spec.release}`, 'Makefile');
      const text = await fs.readFile(mk, 'utf8');
      await fs.writeFile(mk, text.replaceAll(/^include \/usr\/src\//gm, `include ${root}/usr/src/`));
    }
    // The image package ships no modules.dep (its postinst runs depmod): make it here.
    await execa(tools.depmod!, ['-b', tmp, spec.release]);
    await fs.rename(tmp, root);
    await fs.writeFile(path.join(root, '.complete'), '');
  });
}
