// The pinned kernels (vm/kernels.yaml): their names, releases and the model semantics each follows,
// chosen from its exact Debian package version by the one table in src/model/semantics.ts.
import { InputError, UsageError } from '../errors.js';
import { KERNEL_SCHEDULERS } from '../generate/schedulers.js';
import { semanticsForVersion, SEMANTICS } from '../model/semantics.js';
import type { Semantics } from '../model/types.js';
import { parseDebianVersion, parseProcVersion, parseRelease, type KernelVersion } from '../kernels/version.js';
import { kernelsFile, loadKernels, type KernelSpec } from '../backends/qemu/kernels.js';

export { SEMANTICS };

export interface PinnedKernel {
  name: string;
  release: string;
  semantics: Semantics;
  /** Why these semantics: the version read and the table line that applied. */
  why: string;
  /** Schedulers the kernel is known to have before it boots (absent: known only once it is up). */
  schedulers?: readonly string[];
}

let cache: { default: string; kernels: PinnedKernel[] } | undefined;

/** The semantics of a kernel spec, from its Debian package version. */
export function specSemantics(k: Pick<KernelSpec, 'name' | 'version'>): { semantics: Semantics; why: string } {
  const v = parseDebianVersion(k.version);
  if (!v) throw new InputError(kernelsFile, `kernels.${k.name}.version`, 'a Debian package version like 6.1.176-1', k.version);
  return semanticsForVersion(v);
}

/** vm/kernels.yaml as the run sees it (parsed once, by src/backends/qemu/kernels.ts), semantics by version. */
export function pinnedKernels(): { default: string; kernels: PinnedKernel[] } {
  if (cache) return cache;
  const table = loadKernels();
  const kernels = Object.values(table.kernels).map((k) => ({ name: k.name, release: k.release, ...specSemantics(k), ...(KERNEL_SCHEDULERS[k.name] ? { schedulers: KERNEL_SCHEDULERS[k.name] } : {}) }));
  cache = { default: table.default, kernels };
  return cache;
}

/** Kernels resolved from the command line (debian:..., tree:...; src/kernels/resolve.ts). */
const resolved = new Map<string, PinnedKernel>();

export function registerResolved(k: PinnedKernel): void {
  resolved.set(k.name, k);
}

export function kernelByName(name: string, flag = '--kernel'): PinnedKernel {
  const { kernels } = pinnedKernels();
  const k = kernels.find((x) => x.name === name) ?? resolved.get(name);
  if (!k) {
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_KERNEL',
      `Expected \`${flag}\` to be one of ${kernels.map((x) => x.name).join(', ')} (vm/kernels.yaml), got \`${name}\``,
    );
  }
  return k;
}

/**
 * The exact version of a running kernel: /proc/version where it is known (Debian's carries the
 * package version), else the release when that is not a distribution's ABI name.
 */
export function runningVersion(release: string, procVersion?: string): KernelVersion | undefined {
  return (procVersion ? parseProcVersion(procVersion) : undefined) ?? parseRelease(release);
}

/** Semantics for a running kernel (a Docker host): by exact version; unknown or ambiguous is an error naming --semantics. */
export function semanticsForRunning(release: string, procVersion?: string): { semantics: Semantics; why: string; version: KernelVersion } {
  const v = runningVersion(release, procVersion);
  if (!v) {
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_SEMANTICS',
      `cannot tell the exact version of kernel ${release}: its release carries a distribution's ABI number, not the point release, and /proc/version ${procVersion ? `(${JSON.stringify(procVersion.trim().slice(0, 200))}) names none either` : 'was not read'}. ` +
        `Fix: pass --semantics (${SEMANTICS.join(' or ')}) after checking the kernel's ip_vs_dest_conn_overhead() in include/net/ip_vs.h`,
    );
  }
  return { ...semanticsForVersion(v), version: v };
}
