// A test-only Docker host whose kernel has IPVS: the project's own QEMU guest image (a pinned
// Debian kernel with the IPVS modules and hprio, src/backends/qemu/image.ts) plus dockerd, containerd,
// containerd-shim-runc-v2, runc and docker-init from the host's Debian `docker.io` package, and
// the virtio_net driver. Composed, not patched: a second cpio archive holding those files and
// vm/docker-host/init is appended to the image's initramfs (the kernel unpacks concatenated
// archives in order; later files win, so this /init replaces the agent's).
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { InfraError } from '../../../../src/errors.js';
import { fetchDebs, unpackKernel } from '../../../../src/backends/qemu/debs.js';
import { cacheKey, hashFile } from '../../../../src/backends/qemu/hash.js';
import { buildImage } from '../../../../src/backends/qemu/image.js';
import { packInitramfs } from '../../../../src/backends/qemu/initramfs.js';
import { appendInitramfs } from '../../../helpers/init-overlay.js';
import { kernelFileName, kernelSpec } from '../../../../src/backends/qemu/kernels.js';
import { withLock } from '../../../../src/host/lock.js';
import { log, ms } from '../../../../src/backends/qemu/log.js';
import { moduleName, parseModulesDep } from '../../../../src/backends/qemu/modules.js';
import { vmDir } from '../../../../src/backends/qemu/paths.js';
import { cacheDir } from '../../../../src/host/cache.js';
import { parseLdd } from '../../../../src/backends/qemu/rootfs.js';
import { ensureTools, TOOLS } from '../../../../src/backends/qemu/tools.js';

/** What dockerd 20.10 runs: itself, containerd and its runc shim, runc, and tini as docker-init. */
export const DOCKER_BINARIES = ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'runc', 'docker-init'] as const;

/** The NIC QEMU's `-nic user,model=virtio-net-pci` gives the guest (a module on both pinned kernels). */
export const NIC_MODULE = 'virtio_net';

export const dockerHostInit = path.join(vmDir, 'docker-host', 'init');

/** Bump when the way the overlay is assembled changes in a way its inputs do not show. */
const RECIPE = 'docker-host-1';

export interface DockerHostImage {
  kernelPath: string;
  initrdPath: string;
  /** The guest kernel's `uname -r`. */
  release: string;
  /** Pinned kernel name (vm/kernels.yaml). */
  kernel: string;
  key: string;
}

/**
 * A module and everything it needs, dependencies first (the order insmod wants), from modules.dep
 * (paths relative to lib/modules/<release>).
 */
export function loadOrder(deps: Map<string, string[]>, name: string): string[] {
  const root = [...deps.keys()].find((rel) => moduleName(rel) === name);
  if (!root) throw new InfraError('IPVS_CONFORM_MODULES', `module ${name} is not in the kernel's modules.dep`);
  const out: string[] = [];
  const visit = (rel: string): void => {
    if (out.includes(rel)) return;
    for (const d of deps.get(rel) ?? []) visit(d);
    out.push(rel);
  };
  visit(root);
  return out;
}

/** The shared libraries a binary needs; none for a static one (ldd exits 1 on those). */
async function libsOf(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false });
  if (/not a dynamic executable/.test(`${r.stdout}${r.stderr}`)) return [];
  if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_LDD', `ldd ${binary} failed: ${r.stderr}`);
  return parseLdd(r.stdout);
}

export async function buildDockerHost(opts: { kernel: string }): Promise<DockerHostImage> {
  const started = performance.now();
  const image = await buildImage({ kernel: opts.kernel });
  const spec = kernelSpec(opts.kernel);
  const debs = await fetchDebs(spec);
  const unpacked = await unpackKernel(spec, debs, cacheKey(Object.fromEntries(debs.map((d) => [d.pkg, d.sha256]))));
  const tools = await ensureTools([...DOCKER_BINARIES.map((cmd) => ({ cmd, pkg: 'docker.io' })), TOOLS.xz, TOOLS.cpio]);

  // Every file the overlay holds, by its absolute path in the guest (the same as on the host, so
  // dockerd finds containerd, runc and docker-init on PATH as it does there).
  const files = new Map<string, string>();
  for (const cmd of DOCKER_BINARIES) {
    const bin = tools[cmd]!;
    files.set(bin, bin);
    for (const lib of await libsOf(bin)) files.set(lib, lib);
  }
  const deps = parseModulesDep(await fs.readFile(path.join(unpacked.modulesDir, 'modules.dep'), 'utf8'));
  const nic = loadOrder(deps, NIC_MODULE).map((rel) => ({ src: path.join(unpacked.modulesDir, rel), guest: `/lib/ipvsc-docker-host/${moduleName(rel)}.ko` }));

  const inputs: Record<string, string> = {
    recipe: RECIPE,
    builder: await hashFile(fileURLToPath(import.meta.url)),
    image: image.key,
    init: await hashFile(dockerHostInit),
  };
  for (const [guest, host] of files) inputs[`file:${guest}`] = await hashFile(host);
  for (const m of nic) inputs[`module:${m.guest}`] = await hashFile(m.src);
  const key = cacheKey(inputs);
  const dir = cacheDir('docker-host', `${kernelFileName(spec.name)}-${key}`);
  const result: DockerHostImage = { kernelPath: image.kernelPath, initrdPath: path.join(dir, 'initrd.img'), release: image.release, kernel: spec.name, key };
  const done = () => existsSync(path.join(dir, 'done'));
  if (done()) {
    const now = new Date();
    await fs.utimes(dir, now, now).catch(() => undefined); // in use: pruneOthers() leaves it
    return result;
  }

  await withLock(`docker-host-${kernelFileName(spec.name)}-${key}`, async () => {
    if (done()) return;
    const tmp = `${dir}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    try {
      const root = path.join(tmp, 'overlay');
      for (const [guest, host] of files) {
        await fs.mkdir(path.join(root, path.dirname(guest)), { recursive: true });
        await fs.copyFile(host, path.join(root, guest)); // follows symlinks: the soname path gets the real file
        await fs.chmod(path.join(root, guest), 0o755);
      }
      await fs.mkdir(path.join(root, 'lib', 'ipvsc-docker-host'), { recursive: true });
      for (const m of nic) {
        const dst = path.join(root, m.guest);
        if (m.src.endsWith('.ko.xz')) await fs.writeFile(dst, (await execa(tools.xz!, ['-dc', m.src], { encoding: 'buffer' })).stdout);
        else if (m.src.endsWith('.ko')) await fs.copyFile(m.src, dst);
        else throw new InfraError('IPVS_CONFORM_MODULES', `unexpected module file ${m.src}: want .ko or .ko.xz`);
      }
      await fs.mkdir(path.join(root, 'etc'), { recursive: true });
      await fs.writeFile(path.join(root, 'etc', 'ipvsc-docker-host-modules'), nic.map((m) => `${m.guest}\n`).join(''));
      await fs.copyFile(dockerHostInit, path.join(root, 'init'));
      await fs.chmod(path.join(root, 'init'), 0o755);
      await packInitramfs(root, path.join(tmp, 'overlay.cpio'));
      // The image's archive, then ours.
      await appendInitramfs(image.initrdPath, path.join(tmp, 'overlay.cpio'), path.join(tmp, 'initrd.img'));
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(path.join(tmp, 'overlay.cpio'));
      await fs.writeFile(path.join(tmp, 'done'), JSON.stringify({ ...result, inputs }, null, 2) + '\n');
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(tmp, dir);
      await pruneOthers(dir);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  });
  const size = (await fs.stat(result.initrdPath)).size;
  log(`docker-host guest for kernel ${spec.name} ready (${key}, initramfs ${(size / 1e6).toFixed(0)} MB) in ${ms(performance.now() - started)}`);
  return result;
}

/**
 * Each of these is ~160 MB: builds for the same kernel not used for an hour go once a new one is
 * made. Recent ones stay: another process (another checkout's test run) may be about to boot one.
 */
async function pruneOthers(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const kernelOf = (name: string) => name.slice(0, name.lastIndexOf('-'));
  const kernel = kernelOf(path.basename(dir));
  for (const name of await fs.readdir(parent)) {
    if (name === path.basename(dir) || name.includes('.tmp-') || kernelOf(name) !== kernel) continue;
    const st = await fs.stat(path.join(parent, name)).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 3600_000) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
}
