// Any Debian kernel by its package version: `debian:6.1.192-3`, `debian:6.12.113-1~deb12u1`, or
// the newest of a stream, `debian:latest-6.1` / `debian:latest-6.12`, resolved through the package
// index into the same KernelSpec a pinned kernel has (image, headers, kbuild, source), named by
// its exact version so reports and case files record it. The flavours are the pinned kernels'
// (6.1: cloud-amd64; 6.12: the generic amd64, which builds ip_vs_twos). The unsigned image is
// preferred; where the index keeps only the signed one (same kernel and modules, plus a signature
// the PVH boot ignores) that one serves. Where the headers are gone, the kernel still runs: its
// stock schedulers are tested and hprio, which needs them to be built, is not.
import { UsageError } from '../errors.js';
import type { KernelSpec } from '../backends/qemu/kernels.js';
import { searchNames, versionsOf } from './apt-index.js';

/** What the resolution reads of the package index (tests give a fixed one). */
export interface PackageIndex {
  searchNames(pattern: string): Promise<string[]>;
  versionsOf(pkgs: readonly string[]): Promise<Map<string, string[]>>;
}

export const APT_INDEX: PackageIndex = { searchNames, versionsOf };
import { compareDebVersions } from './debversion.js';

interface Stream {
  stream: string;
  /** apt-cache search pattern and the same as a RegExp capturing the ABI part ("6.1.0-57", "6.12.117+deb12"), signed or unsigned. */
  search: string;
  image: RegExp;
  flavour: string;
  kbuild: (abi: string) => string;
  source: string;
}

export const DEBIAN_STREAMS: readonly Stream[] = [
  {
    stream: '6.1',
    search: '^linux-image-6\\.1\\.0-[0-9]+-cloud-amd64(-unsigned)?$',
    image: /^linux-image-(6\.1\.0-\d+)-cloud-amd64(-unsigned)?$/,
    flavour: 'cloud-amd64',
    kbuild: () => 'linux-kbuild-6.1',
    source: 'linux-source-6.1',
  },
  {
    stream: '6.12',
    search: '^linux-image-6\\.12\\.[0-9]+\\+deb12-amd64(-unsigned)?$',
    image: /^linux-image-(6\.12\.\d+\+deb12)-amd64(-unsigned)?$/,
    flavour: 'amd64',
    kbuild: (abi) => `linux-kbuild-${abi}`,
    source: 'linux-source-6.12',
  },
];

/** One kernel the index offers, with what else the harness needs of the same version. */
export interface DebianOffer {
  stream: string;
  version: string;
  /** The image package: the -unsigned one where the index has it at this version, else the signed one. */
  image: string;
  release: string;
  headers: string[];
  /** The kbuild tools' version: the kernel's own, or (when the index has it no more) the stream's newest. */
  kbuildVersion: string | undefined;
  headersComplete: boolean;
  /** linux-source of exactly this version is in the index (--patch needs it). */
  source: boolean;
}

export function streamOf(version: string): Stream | undefined {
  return DEBIAN_STREAMS.find((s) => version.startsWith(`${s.stream}.`));
}

/** Every kernel of a stream the index offers, newest first. */
export async function debianOffers(stream: Stream, index: PackageIndex = APT_INDEX): Promise<DebianOffer[]> {
  const images = await index.searchNames(stream.search);
  const abis = [...new Set(images.map((image) => stream.image.exec(image)![1]!))];
  const parts = abis.map((abi) => {
    const release = `${abi}-${stream.flavour}`;
    const unsigned = `linux-image-${release}-unsigned`;
    return { unsigned, signed: `linux-image-${release}`, release, abiHeaders: [`linux-headers-${release}`, `linux-headers-${abi}-common`], kbuild: stream.kbuild(abi) };
  });
  // One apt-cache call for everything: each one loads the whole cache (~1 s).
  const have = await index.versionsOf([...parts.flatMap((p) => [p.unsigned, p.signed, ...p.abiHeaders, p.kbuild]), stream.source]);
  const offers = parts.flatMap(({ unsigned, signed, release, abiHeaders, kbuild }) =>
    [...new Set([...have.get(unsigned)!, ...have.get(signed)!])].map((version): DebianOffer => {
      const kbuilds = have.get(kbuild)!;
      const kbuildVersion = kbuilds.includes(version) ? version : kbuilds.find((v) => streamOf(v) === stream);
      return {
        stream: stream.stream,
        version,
        image: have.get(unsigned)!.includes(version) ? unsigned : signed,
        release,
        headers: [...abiHeaders, kbuildVersion && kbuildVersion !== version ? `${kbuild}=${kbuildVersion}` : kbuild],
        kbuildVersion,
        headersComplete: abiHeaders.every((h) => have.get(h)!.includes(version)) && kbuildVersion !== undefined,
        source: have.get(stream.source)!.includes(version),
      };
    }),
  );
  return offers.sort((a, b) => compareDebVersions(b.version, a.version));
}

/** `debian:VERSION` or `debian:latest-S` as a kernel spec, named `debian:<exact version>`. */
export async function resolveDebian(ref: string, index: PackageIndex = APT_INDEX): Promise<{ spec: KernelSpec; offer: DebianOffer; latest: boolean }> {
  const what = ref.slice('debian:'.length);
  const latest = /^latest-(.+)$/.exec(what)?.[1];
  const stream = streamOf(latest ? `${latest}.` : what);
  if (!stream) {
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_KERNEL',
      `Expected \`--kernel ${ref}\` to name a Debian kernel of a known stream (${DEBIAN_STREAMS.map((s) => s.stream).join(', ')}): debian:VERSION (a linux-image package version such as 6.1.192-3) or debian:latest-STREAM. Fix: see \`ipvs-conform kernels\``,
    );
  }
  const offers = await debianOffers(stream, index);
  const complete = offers.filter((o) => o.headersComplete);
  const offer = latest ? complete[0] : offers.find((o) => o.version === what);
  if (!offer) {
    throw new UsageError(
      'IPVS_CONFORM_UNKNOWN_KERNEL',
      `Debian's package index offers no ${latest ? 'complete ' : ''}${stream.stream} kernel${latest ? '' : ` at version ${what}`} (linux-image-*-${stream.flavour}, signed or unsigned); it offers ${offers.map((o) => o.version).join(', ') || 'none'}. ` +
        'Fix: pick one of those (`ipvs-conform kernels` lists them), or run `apt-get update` if the index is old',
    );
  }
  const spec: KernelSpec = {
    name: `debian:${offer.version}`,
    release: offer.release,
    version: offer.version,
    image: offer.image,
    // No headers: the image and its own modules run, and hprio (built against them) is left out.
    headers: offer.headersComplete ? offer.headers : [],
    source: `${stream.source}=${offer.version}`,
  };
  return { spec, offer, latest: latest !== undefined };
}

/**
 * The clear error for --patch on a kernel whose exact source Debian no longer serves: which
 * versions of that source it still has, and how to pick one of them.
 */
export async function assertSourceInIndex(source: string, kernel: string, index: PackageIndex = APT_INDEX): Promise<void> {
  const [pkg, version] = source.split('=') as [string, string];
  const have = (await index.versionsOf([pkg])).get(pkg)!;
  if (have.includes(version)) return;
  throw new UsageError(
    'IPVS_CONFORM_SOURCE_GONE',
    `--patch needs kernel ${kernel}'s exact source, ${pkg}=${version}, and Debian's package index no longer has it (it has ${have.join(', ') || 'no version'}). ` +
      `Fix: patch a kernel whose source Debian still serves, e.g. --kernel debian:${have[0] ?? 'VERSION'} (\`ipvs-conform kernels\` shows which have source), or build the kernel from a tree and use --kernel tree:DIR`,
  );
}
