// Debian packages fetched with `apt-get download` into the cache (never installed on the host),
// named <pkg>_<version>.deb, so the image builder and the module builder share what either fetched.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError, UsageError } from '../errors.js';
import { versionsOf } from '../kernels/apt-index.js';
import { cacheDir } from './cache.js';

let aptUpdated = false;

/** The cached .deb of `pkg` at exactly `version`, downloaded first if missing. */
export async function downloadDeb(pkg: string, version: string): Promise<string> {
  const dir = cacheDir('debs');
  await fs.mkdir(dir, { recursive: true });
  const dest = path.join(dir, `${pkg}_${version}.deb`);
  if (existsSync(dest)) return dest;
  // Download beside the cache, then rename: a parallel run never sees half a file.
  const tmp = await fs.mkdtemp(path.join(dir, '.dl-'));
  try {
    let r = await aptDownload(pkg, version, tmp);
    // A fresh machine's package lists may not name the version yet: refresh them once (root only).
    if (r.exitCode !== 0 && !aptUpdated && process.getuid?.() === 0) {
      await execa('apt-get', ['update', '-qq'], { reject: false });
      aptUpdated = true;
      r = await aptDownload(pkg, version, tmp);
    }
    const got = (await fs.readdir(tmp)).filter((f) => f.endsWith('.deb'));
    const said = String(r.all ?? '').trim();
    if (r.exitCode !== 0 && NOT_IN_ARCHIVE.test(said)) throw await notInArchive(pkg, version, said);
    if (r.exitCode !== 0 || got.length !== 1)
      throw new InfraError(
        'IPVS_CONFORM_DOWNLOAD',
        `apt-get download ${pkg}=${version} failed (exit ${r.exitCode}, ${got.length} .deb files): ${said.slice(-400)}. ` +
          'Fix: check that Debian (and its updates) is in the apt sources and run apt-get update; the version (vm/kernels.yaml, or --kernel debian:VERSION) must be in the archive.',
      );
    await fs.rename(path.join(tmp, got[0]!), dest);
    return dest;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function aptDownload(pkg: string, version: string, cwd: string) {
  // As root, apt drops to the _apt user, which cannot write into the cache: stay root for it.
  const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
  return execa('apt-get', [...sandbox, 'download', '-q', `${pkg}=${version}`], { cwd, reject: false, all: true });
}

/** apt's answer when its lists have no such package, or not that version of it. */
const NOT_IN_ARCHIVE = /Unable to locate package|Version '[^']*' for '[^']*' was not found/;

/** A package or version the archive lacks is the input's fault (vm/kernels.yaml, --kernel): exit 2. */
async function notInArchive(pkg: string, version: string, said: string): Promise<UsageError> {
  const known = (await versionsOf([pkg])).get(pkg) ?? [];
  const has = known.length ? `versions ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}` : 'no such package';
  return new UsageError(
    'IPVS_CONFORM_NOT_IN_ARCHIVE',
    `${pkg}=${version}: expected a package version Debian's archive has, got one apt does not know (${said.split('\n').at(-1)}); the archive has ${has}. ` +
      `Fix: name a version \`apt-cache madison ${pkg}\` lists in vm/kernels.yaml (or --kernel debian:VERSION); if it was just published, run apt-get update.`,
  );
}
