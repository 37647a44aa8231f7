// Where things live: the repository (for vm/kernels.yaml and vm/modules/hprio) and the per-user
// cache (downloaded .debs, unpacked headers and source, built modules), and the pinned kernels.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { kernelSpec, type TreeSpec } from '../backends/qemu/kernels.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KERNELS_YAML = path.join(REPO_ROOT, 'vm/kernels.yaml');
export const HPRIO_DIR = path.join(REPO_ROOT, 'vm/modules/hprio');

/** The per-user cache: `IPVS_CONFORM_CACHE`, else env-paths' cache directory (~/.cache/ipvs-conform). */
export function cacheRoot(): string {
  const env = process.env.IPVS_CONFORM_CACHE;
  return env ? path.resolve(env) : envPaths('ipvs-conform', { suffix: '' }).cache;
}

/** One kernel as pinned in vm/kernels.yaml. */
export interface KernelPin {
  name: string;
  /** `uname -r`, also the headers' KERNELRELEASE and the modules' vermagic. */
  release: string;
  /** Debian package version of image, headers and source, e.g. 6.1.176-1. */
  version: string;
  headers: string[];
  /** `linux-source-6.1=6.1.176-1`. */
  source: string;
  /** A kernel built from a tree (tree:DIR): its own headers and source. */
  tree?: TreeSpec;
}

/** A kernel by name: pinned in vm/kernels.yaml, or resolved from the command line (debian:...). */
export async function loadKernelPin(name: string): Promise<KernelPin> {
  const k = kernelSpec(name);
  return { name: k.name, release: k.release, version: k.version, headers: k.headers, source: k.source, ...(k.tree ? { tree: k.tree } : {}) };
}
