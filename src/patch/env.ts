// Where things live: the repository (for vm/kernels.yaml and vm/modules/hprio) and the per-user
// cache (downloaded .debs, unpacked headers and source, built modules), and the pinned kernels.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import YAML from 'yaml';
import { InputError, UsageError } from '../errors.js';

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
}

export async function loadKernelPin(name: string): Promise<KernelPin> {
  const doc = YAML.parse(await readFile(KERNELS_YAML, 'utf8')) as {
    kernels?: Record<string, Partial<KernelPin>>;
  };
  const kernels = doc.kernels ?? {};
  const k = kernels[name];
  if (!k) {
    throw new UsageError(
      'IPVS_CONFORM_BAD_KERNEL',
      `unknown kernel ${JSON.stringify(name)}: expected one of ${Object.keys(kernels).join(', ')} (vm/kernels.yaml)`,
    );
  }
  for (const field of ['release', 'version', 'source'] as const) {
    if (typeof k[field] !== 'string') throw new InputError(KERNELS_YAML, `kernels.${name}.${field}`, 'a string', k[field]);
  }
  if (!Array.isArray(k.headers)) throw new InputError(KERNELS_YAML, `kernels.${name}.headers`, 'a list of packages', k.headers);
  return { name, release: k.release!, version: k.version!, headers: k.headers, source: k.source! };
}
