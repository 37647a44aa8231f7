// vm/kernels.yaml: the pinned kernels. Loaded and checked here; a bad field says what was expected.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../../errors.js';
import { vmDir } from './paths.js';
import { checkKernelEntry } from './kernel-fields.js';
import { readKernelsYaml } from './kernels-yaml.js';

export interface KernelSpec {
  name: string;
  /** `uname -r`, also the modules directory name. */
  release: string;
  /** Debian package version shared by the image and header packages. */
  version: string;
  image: string;
  headers: string[];
  source: string;
  /** A kernel built from a tree (tree:DIR): where it is and what it is; image/headers/source are unused. */
  tree?: TreeSpec;
}

export interface TreeSpec {
  /** Absolute path of the kernel tree's top directory. */
  dir: string;
  /** Content hash of the tree's bzImage, .config and modules (the kernel's identity in case files). */
  hash: string;
}

export interface KernelTable {
  default: string;
  kernels: Record<string, KernelSpec>;
}

export const kernelsFile = path.join(vmDir, 'kernels.yaml');

const TOP_KEYS = ['default', 'kernels'];

export function parseKernels(text: string, file = 'kernels.yaml'): KernelTable {
  const doc = readKernelsYaml(text, file);
  if (!isObject(doc)) throw new InputError(file, '(top level)', 'a mapping with default and kernels', doc, 'start from the entries in git (git show HEAD:vm/kernels.yaml)');
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) throw new InputError(file, key, `one of ${TOP_KEYS.join(', ')}`, key, `remove \`${key}:\` or correct its spelling`);
  }
  if (!isObject(doc.kernels) || Object.keys(doc.kernels).length === 0)
    throw new InputError(file, 'kernels', 'a mapping of kernel names to kernels, at least one', doc.kernels, 'list the pinned kernels under `kernels:`, as in git');
  const kernels: Record<string, KernelSpec> = {};
  for (const [name, raw] of Object.entries(doc.kernels)) {
    if (!/^[A-Za-z0-9._+-]+$/.test(name))
      throw new InputError(file, `kernels.${name}`, 'a kernel name of letters, digits and . _ + - (a colon would read as debian: or tree:)', name, 'rename the kernel');
    if (!isObject(raw)) throw new InputError(file, `kernels.${name}`, 'a mapping of release, version, image, headers, source', raw, 'indent its fields under the name, as the 6.1 entry does');
    const k = checkKernelEntry(file, name, raw);
    kernels[name] = { name, release: k.release, version: k.version, image: k.image, headers: k.headers, source: k.source };
  }
  const def = doc.default;
  if (typeof def !== 'string' || !(def in kernels))
    throw new InputError(file, 'default', `one of the kernels' names as a quoted string: ${Object.keys(kernels).map((n) => JSON.stringify(n)).join(', ')}`, def, `write default: "${Object.keys(kernels)[0]}" (quoted: unquoted, 6.10 reads as the number 6.1)`);
  return { default: def, kernels };
}

let cached: KernelTable | undefined;

export function loadKernels(): KernelTable {
  cached ??= parseKernels(readKernelsFile(), kernelsFile);
  return cached;
}

/** The file's text; a missing file is the checkout's (exit 2), a refused read the disk's (exit 3, disk-error.ts). */
export function readKernelsFile(file = kernelsFile): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new UsageError('IPVS_CONFORM_BAD_INPUT', `${file}: expected the table of pinned kernels, got no such file. Fix: restore it (git checkout -- vm/kernels.yaml)`);
  }
}

/** Kernels named on the command line (debian:..., tree:...), resolved once (src/kernels/resolve.ts). */
const resolved = new Map<string, KernelSpec>();

export function registerKernel(spec: KernelSpec): void {
  resolved.set(spec.name, spec);
}

/** A kernel name as a file name part: debian:6.12.113-1~deb12u1 -> debian-6.12.113-1-deb12u1. */
export function kernelFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The pinned kernel by name (default when undefined), or one resolved from the command line; an unknown name is a usage error. */
export function kernelSpec(name?: string): KernelSpec {
  const table = loadKernels();
  const spec = table.kernels[name ?? table.default] ?? (name === undefined ? undefined : resolved.get(name));
  if (!spec)
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_KERNEL',
      `unknown kernel ${JSON.stringify(name)}: expected one of ${Object.keys(table.kernels).join(', ')} (vm/kernels.yaml), debian:VERSION, debian:latest-6.1, debian:latest-6.12 or tree:DIR`,
    );
  return spec;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
