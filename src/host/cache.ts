// The per-user cache every builder shares (downloaded .debs, unpacked kernels and headers, images,
// built modules, locks, pid files): IPVS_CONFORM_CACHE, else env-paths' cache directory
// (~/.cache/ipvs-conform). One root, so each builder finds what another fetched.
import path from 'node:path';
import envPaths from 'env-paths';

export function cacheRoot(): string {
  const env = process.env.IPVS_CONFORM_CACHE;
  return env ? path.resolve(env) : envPaths('ipvs-conform', { suffix: '' }).cache;
}

export function cacheDir(...parts: string[]): string {
  return path.join(cacheRoot(), ...parts);
}
