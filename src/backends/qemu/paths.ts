// Where the repository's guest sources are (vm/); the per-user cache is src/host/cache.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const vmDir = path.join(repoRoot, 'vm');
