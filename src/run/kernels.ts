// The pinned kernels (vm/kernels.yaml): their names, releases and the model semantics each follows.
import { InputError, UsageError } from '../errors.js';
import type { Semantics } from '../model/types.js';
import { kernelsFile, loadKernels } from '../vm/kernels.js';

export interface PinnedKernel {
  name: string;
  release: string;
  semantics: Semantics;
}

export const SEMANTICS: readonly Semantics[] = ['6.1', '6.12'];

let cache: { default: string; kernels: PinnedKernel[] } | undefined;

/** vm/kernels.yaml as the run sees it (parsed once, by src/vm/kernels.ts), semantics checked. */
export function pinnedKernels(): { default: string; kernels: PinnedKernel[] } {
  if (cache) return cache;
  const table = loadKernels();
  const kernels = Object.values(table.kernels).map((k) => {
    if (!SEMANTICS.includes(k.semantics as Semantics)) throw new InputError(kernelsFile, `kernels.${k.name}.semantics`, SEMANTICS.join(' or '), k.semantics);
    return { name: k.name, release: k.release, semantics: k.semantics as Semantics };
  });
  cache = { default: table.default, kernels };
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
