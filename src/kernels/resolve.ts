// A `--kernel` value to a kernel the harness can build and boot: a pinned name (vm/kernels.yaml),
// `debian:VERSION` / `debian:latest-STREAM` (src/kernels/debian.ts) or `tree:DIR` (tree.ts).
// Resolved once per command, then registered, so the rest of the code finds it by name; the name
// is exact (debian:6.1.192-3), so reports and case files record what ran.
import type { Semantics } from '../model/types.js';
import { KERNEL_SCHEDULERS } from '../generate/schedulers.js';
import { kernelByName, pinnedKernels, registerResolved, specSemantics, type PinnedKernel } from '../run/kernels.js';
import { registerKernel, type KernelSpec } from '../backends/qemu/kernels.js';
import { resolveDebian } from './debian.js';
import { resolveTree } from './tree.js';
import { semanticsForVersion } from '../model/semantics.js';
import { ConformError } from '../errors.js';

export interface ResolveOptions {
  /** --semantics: used when the version table cannot tell (and reported as the reason). */
  semantics?: Semantics;
  log?: (m: string) => void;
}

const memo = new Map<string, PinnedKernel>();

export async function resolveKernel(ref: string, o: ResolveOptions = {}): Promise<PinnedKernel> {
  const seen = memo.get(ref);
  if (seen) return seen;
  const k = await resolveOnce(ref, o);
  memo.set(ref, k);
  memo.set(k.name, k);
  return k;
}

async function resolveOnce(ref: string, o: ResolveOptions): Promise<PinnedKernel> {
  if (ref.startsWith('debian:')) {
    const { spec, offer, latest } = await resolveDebian(ref);
    const k = register(spec, o, KERNEL_SCHEDULERS[offer.stream]);
    const kbuild = !spec.headers.length
      ? "; no headers in Debian's index (hprio is not built, --patch and --module cannot be)"
      : offer.kbuildVersion !== offer.version
        ? `; kbuild tools ${offer.kbuildVersion} (Debian no longer has ${offer.version}'s)`
        : '';
    o.log?.(`${latest ? `${ref} is ${spec.name}` : spec.name}: ${spec.image}, release ${spec.release}${kbuild}; model semantics ${k.semantics}: ${k.why}`);
    return k;
  }
  if (ref.startsWith('tree:')) {
    const { spec, version } = await resolveTree(ref);
    // Which schedulers the tree has is known once its guest is up (its config decides).
    const k = register(spec, o, undefined, () => semanticsForVersion(version));
    o.log?.(`${spec.name}: release ${spec.release}, build ${spec.tree!.hash}; model semantics ${k.semantics}: ${k.why}`);
    return k;
  }
  return kernelByName(ref);
}

/** Every --kernel value (default: the pinned default), resolved. */
export async function resolveKernels(refs: readonly string[], o: ResolveOptions = {}): Promise<PinnedKernel[]> {
  const out: PinnedKernel[] = [];
  for (const ref of refs.length ? refs : [pinnedKernels().default]) out.push(await resolveKernel(ref, o));
  return out;
}

function register(spec: KernelSpec, o: ResolveOptions, schedulers: readonly string[] | undefined, read = () => specSemantics(spec)): PinnedKernel {
  let chosen: { semantics: Semantics; why: string };
  try {
    chosen = read();
  } catch (e) {
    if (!o.semantics || !(e instanceof ConformError)) throw e;
    chosen = { semantics: o.semantics, why: `--semantics ${o.semantics} (${e.message.split(':')[0]})` };
  }
  registerKernel(spec);
  const k: PinnedKernel = { name: spec.name, release: spec.release, ...chosen, ...(schedulers ? { schedulers } : {}) };
  registerResolved(k);
  return k;
}

