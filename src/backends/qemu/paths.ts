// Where things are: the repository (vm/ sources) and the per-user cache (TEAM.md:
// envPaths('ipvs-conform', { suffix: '' }).cache, overridable with IPVS_CONFORM_CACHE).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const vmDir = path.join(repoRoot, 'vm');

export function cacheRoot(): string {
  return process.env.IPVS_CONFORM_CACHE || envPaths('ipvs-conform', { suffix: '' }).cache;
}

export function cacheDir(...parts: string[]): string {
  return path.join(cacheRoot(), ...parts);
}
