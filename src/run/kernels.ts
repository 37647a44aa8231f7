// The pinned kernels (vm/kernels.yaml): their names, releases and the model semantics each follows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { InputError, UsageError } from '../errors.js';
import type { Semantics } from '../model/types.js';

export const KERNELS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../vm/kernels.yaml');

export interface PinnedKernel {
  name: string;
  release: string;
  semantics: Semantics;
}

export const SEMANTICS: readonly Semantics[] = ['6.1', '6.12'];

let cache: { default: string; kernels: PinnedKernel[] } | undefined;

export function pinnedKernels(): { default: string; kernels: PinnedKernel[] } {
  if (cache) return cache;
  const doc = YAML.parse(readFileSync(KERNELS_FILE, 'utf8')) as { default?: unknown; kernels?: Record<string, { release?: unknown; semantics?: unknown }> };
  if (!doc?.kernels || typeof doc.kernels !== 'object') throw new InputError(KERNELS_FILE, 'kernels', 'a mapping of kernel names', doc?.kernels);
  const kernels = Object.entries(doc.kernels).map(([name, k]) => {
    if (!SEMANTICS.includes(k.semantics as Semantics)) throw new InputError(KERNELS_FILE, `kernels.${name}.semantics`, SEMANTICS.join(' or '), k.semantics);
    return { name, release: String(k.release), semantics: k.semantics as Semantics };
  });
  cache = { default: String(doc.default ?? kernels[0]?.name), kernels };
  return cache;
}

export function kernelByName(name: string, flag = '--kernel'): PinnedKernel {
  const { kernels } = pinnedKernels();
  const k = kernels.find((x) => x.name === name);
  if (!k) {
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_KERNEL',
      `Expected \`${flag}\` to be one of ${kernels.map((x) => x.name).join(', ')} (vm/kernels.yaml), got \`${name}\``,
    );
  }
  return k;
}

/** Semantics for a release string (docker backends report a release, not a pinned name). */
export function semanticsForRelease(release: string): Semantics {
  const m = /^(\d+)\.(\d+)\.(\d+)?/.exec(release);
  const [maj, min, patch] = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
  // Upstream 6.12.104 changed the cost and overload rules (see vm/kernels.yaml).
  if (maj > 6 || (maj === 6 && min > 12) || (maj === 6 && min === 12 && patch >= 104)) return '6.12';
  return '6.1';
}
