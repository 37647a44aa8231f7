// vm/kernels.yaml: the pinned kernels. Loaded and checked here; a bad field says what was expected.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { InputError, UsageError } from '../../errors.js';
import { vmDir } from './paths.js';

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

export function parseKernels(text: string, file = 'kernels.yaml'): KernelTable {
  const doc = parse(text) as unknown;
  if (!isObject(doc)) throw new InputError(file, '(top level)', 'a mapping with default and kernels', doc);
  const kernels: Record<string, KernelSpec> = {};
  if (!isObject(doc.kernels)) throw new InputError(file, 'kernels', 'a mapping of kernel names', doc.kernels);
  for (const [name, raw] of Object.entries(doc.kernels)) {
    if (!isObject(raw)) throw new InputError(file, `kernels.${name}`, 'a mapping', raw);
    const str = (field: string): string => {
      const v = raw[field];
      if (typeof v !== 'string' || v === '') throw new InputError(file, `kernels.${name}.${field}`, 'a non-empty string', v);
      return v;
    };
    // The model's semantics follow from `version` (src/model/semantics.ts), never from a label.
    if ('semantics' in raw) throw new InputError(file, `kernels.${name}.semantics`, 'no such field (semantics follow from `version`)', raw.semantics);
    const headers = raw.headers;
    if (!Array.isArray(headers) || headers.length === 0 || !headers.every((h) => typeof h === 'string'))
      throw new InputError(file, `kernels.${name}.headers`, 'a non-empty list of package names', headers);
    kernels[name] = {
      name,
      release: str('release'),
      version: str('version'),
      image: str('image'),
      headers: headers as string[],
      source: str('source'),
    };
  }
  const def = doc.default;
  if (typeof def !== 'string' || !(def in kernels))
    throw new InputError(file, 'default', `one of ${Object.keys(kernels).join(', ')}`, def);
  return { default: def, kernels };
}

let cached: KernelTable | undefined;

export function loadKernels(): KernelTable {
  cached ??= parseKernels(fs.readFileSync(kernelsFile, 'utf8'), kernelsFile);
  return cached;
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
