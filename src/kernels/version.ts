// A kernel's exact upstream version (major.minor.patch), read only where it is reliable: a Debian
// package version, /proc/version's "Debian 6.1.x-y" string, a kernel tree's Makefile and
// include/config/kernel.release. A distribution `uname -r` such as 6.1.0-57-cloud-amd64 or
// 6.8.0-45-generic carries an ABI number, not the point release: it is ambiguous, never guessed.
import { UsageError } from '../errors.js';

export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
  /** Where the version was read, in words ("Debian package version 6.1.192-3"). */
  from: string;
}

export function versionText(v: Pick<KernelVersion, 'major' | 'minor' | 'patch'>): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function compareVersions(a: Pick<KernelVersion, 'major' | 'minor' | 'patch'>, b: Pick<KernelVersion, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function triple(m: RegExpExecArray, from: string): KernelVersion {
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), from };
}

/** A Debian package version of a kernel: 6.1.192-3, 6.12.113-1~deb12u1 (upstream part before the first '-'). */
export function parseDebianVersion(version: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:~rc\d+)?-[0-9A-Za-z.+~]+$/.exec(version);
  return m ? triple(m, `Debian package version ${version}`) : undefined;
}

/**
 * /proc/version. Debian's ends in "Debian 6.1.192-3 (2026-11-20)": that package version decides.
 * Otherwise the release (the word after "Linux version") counts where it is unambiguous.
 */
export function parseProcVersion(text: string): KernelVersion | undefined {
  // The last "Debian x.y.z-n": an earlier one is the compiler's ("gcc-12 (Debian 12.2.0-14)").
  const deb = [...text.matchAll(/\bDebian (\d+\.\d+(?:\.\d+)?(?:~rc\d+)?-[0-9A-Za-z.+~]+)/g)].at(-1);
  if (deb) {
    const v = parseDebianVersion(deb[1]!);
    if (v) return { ...v, from: `/proc/version's "Debian ${deb[1]}"` };
  }
  const rel = /^Linux version (\S+)/.exec(text.trim());
  const v = rel ? parseRelease(rel[1]!) : undefined;
  return v ? { ...v, from: `/proc/version's release ${rel![1]}` } : undefined;
}

/**
 * A `uname -r`: 6.12.107+deb12-amd64, 6.15.2, 6.13.0-rc3, 6.12.117-ipvsc. One whose third number
 * is followed by "-<digit>" (6.1.0-57-cloud-amd64, 6.8.0-45-generic, 5.14.0-427.el9) is a
 * distribution's ABI name that hides the point release: undefined.
 */
export function parseRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(release);
  if (!m || /^-\d/.test(m[4]!)) return undefined;
  return triple(m, `release ${release}`);
}

/** The VERSION, PATCHLEVEL and SUBLEVEL lines of a kernel tree's top Makefile. */
export function parseMakefileVersion(makefile: string, file = 'Makefile'): KernelVersion | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\d*)\\s*$`, 'm').exec(makefile)?.[1];
  const [major, minor, patch] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
  if (!major || !minor) return undefined;
  return { major: Number(major), minor: Number(minor), patch: Number(patch || 0), from: `${file} (VERSION ${major}, PATCHLEVEL ${minor}, SUBLEVEL ${patch || 0})` };
}

/**
 * A built tree's version: its Makefile, checked against include/config/kernel.release when the
 * tree has been built. Two that disagree (a tree changed after its build) are ambiguous: an error.
 */
export function treeVersion(dir: string, makefile: string, kernelRelease: string | undefined): KernelVersion {
  const mk = parseMakefileVersion(makefile, `${dir}/Makefile`);
  if (!mk)
    throw new UsageError('IPVS_CONFORM_TREE_VERSION', `${dir}/Makefile has no VERSION/PATCHLEVEL/SUBLEVEL lines: expected the top of a Linux kernel tree. Fix: point tree:DIR at the kernel tree's top directory, or pass --semantics`);
  if (kernelRelease === undefined) return mk;
  // kernel.release is the Makefile's version followed by EXTRAVERSION and LOCALVERSION.
  const rel = kernelRelease.trim();
  if (!rel.startsWith(versionText(mk)) || /^[\d.]/.test(rel.slice(versionText(mk).length)))
    throw new UsageError(
      'IPVS_CONFORM_TREE_VERSION',
      `the kernel tree ${dir} is ambiguous: its Makefile says ${versionText(mk)} but include/config/kernel.release says ${JSON.stringify(rel)}. ` +
        'Fix: rebuild the tree (make bzImage modules) so both agree, or pass --semantics',
    );
  return { ...mk, from: `${mk.from} and include/config/kernel.release ${rel}` };
}
