// The fields of one kernel of vm/kernels.yaml, as a table: what each must be and how to put it
// right, so a hand edit is told the file, the key, what was expected, what arrived and the fix.
// Then the rules that tie the fields together: one Debian version names the image, headers and
// source packages, and the image and headers packages carry the release in their names.
import { InputError } from '../../errors.js';
import { parseDebianVersion } from '../../kernels/version.js';
import { semanticsForVersion } from '../../model/semantics.js';

export interface KernelField {
  key: string;
  expected: string;
  ok: (v: unknown) => boolean;
  fix: string;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
/** A Debian package name (Debian policy 5.6.1: lower case letters, digits, + - .). */
const isPackage = (v: unknown) => isStr(v) && /^[a-z0-9][a-z0-9+.-]+$/.test(v);
const knownSemantics = (v: string) => {
  const parsed = parseDebianVersion(v);
  if (!parsed) return false;
  try {
    semanticsForVersion(parsed);
    return true;
  } catch {
    return false;
  }
};

export const KERNEL_FIELDS: readonly KernelField[] = [
  { key: 'release', expected: 'the kernel\'s `uname -r`, like "6.1.0-50-cloud-amd64"', ok: (v) => isStr(v) && /^\d+\.\d+[\w.+~-]*$/.test(v), fix: 'copy it from the image package\'s name (linux-image-RELEASE)' },
  { key: 'version', expected: 'a Debian package version like "6.1.176-1"', ok: (v) => isStr(v) && parseDebianVersion(v) !== undefined, fix: 'copy it from `apt-cache policy` of the image package' },
  { key: 'image', expected: 'a Debian package name like "linux-image-6.1.0-50-cloud-amd64-unsigned"', ok: isPackage, fix: 'name the linux-image package of the release' },
  { key: 'headers', expected: 'a non-empty list of Debian package names', ok: (v) => Array.isArray(v) && v.length > 0 && v.every(isPackage), fix: 'list the linux-headers and linux-kbuild packages of the release, as the 6.1 entry does' },
  { key: 'source', expected: 'the source package and its version, like "linux-source-6.1=6.1.176-1"', ok: (v) => isStr(v) && /^linux-source-[a-z0-9.+-]+=\S+$/.test(v), fix: 'write linux-source-MAJOR.MINOR=VERSION' },
];

const FIELD_KEYS = KERNEL_FIELDS.map((f) => f.key);

/** A kernel's fields once each is checked. */
export interface KernelFields {
  release: string;
  version: string;
  image: string;
  headers: string[];
  source: string;
}

/** One kernel's entry, checked field by field and then as a whole. */
export function checkKernelEntry(file: string, name: string, raw: Record<string, unknown>): KernelFields {
  const at = (key: string) => `kernels.${name}.${key}`;
  // The model's semantics follow from `version` (src/model/semantics.ts), never from a label.
  if ('semantics' in raw) throw new InputError(file, at('semantics'), 'no such field (semantics follow from `version`)', raw.semantics, 'remove `semantics:`');
  for (const key of Object.keys(raw)) {
    if (!FIELD_KEYS.includes(key)) throw new InputError(file, at(key), `one of the fields of a kernel, ${FIELD_KEYS.join(', ')}`, key, `remove \`${key}:\` or correct its spelling`);
  }
  for (const f of KERNEL_FIELDS) {
    if (!f.ok(raw[f.key])) throw new InputError(file, at(f.key), f.expected, raw[f.key], f.fix);
  }
  const k = raw as unknown as KernelFields;
  checkTogether(file, name, k);
  return k;
}

/** The rules between fields: the same version everywhere, the release in the package names. */
function checkTogether(file: string, name: string, k: KernelFields): void {
  const at = (key: string) => `kernels.${name}.${key}`;
  if (!knownSemantics(k.version))
    throw new InputError(file, at('version'), 'a version whose model semantics src/model/semantics.ts knows (6.1.x or 6.12.x)', k.version, 'pin a kernel of those streams, or add the version\'s line to VERSION_SEMANTICS after reading its ip_vs_dest_conn_overhead()');
  const v = parseDebianVersion(k.version)!;
  if (!k.release.startsWith(`${v.major}.${v.minor}.`))
    throw new InputError(file, at('release'), `a release of the same kernel as version ${k.version} (starting ${v.major}.${v.minor}.)`, k.release, 'make release and version name one kernel');
  if (k.image !== `linux-image-${k.release}` && k.image !== `linux-image-${k.release}-unsigned`)
    throw new InputError(file, at('image'), `the image package of release ${k.release}: linux-image-${k.release}-unsigned (or without -unsigned)`, k.image, 'make image and release name one kernel');
  if (!k.headers.includes(`linux-headers-${k.release}`))
    throw new InputError(file, at('headers'), `a list holding linux-headers-${k.release} (the release's build headers)`, k.headers, 'add it, with its -common and linux-kbuild packages');
  const sourceVersion = k.source.slice(k.source.indexOf('=') + 1);
  if (sourceVersion !== k.version)
    throw new InputError(file, at('source'), `the source of version ${k.version} (the image's)`, k.source, `write ${k.source.slice(0, k.source.indexOf('='))}=${k.version}`);
}
