// Where things live: the repository (for vm/kernels.yaml and vm/modules/hprio), and the pinned
// kernels. The per-user cache is src/host/cache.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelSpec, type TreeSpec } from '../backends/qemu/kernels.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KERNELS_YAML = path.join(REPO_ROOT, 'vm/kernels.yaml');
export const HPRIO_DIR = path.join(REPO_ROOT, 'vm/modules/hprio');

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
