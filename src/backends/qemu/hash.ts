// Content hashes for cache keys: a changed input (a .deb, a source file, the init script) gives a
// new key, so the image is rebuilt; an unchanged one hits the cache.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Hash of a directory's regular files (relative path + content), sorted; `skip` names dirs to leave out. */
export async function hashTree(dir: string, skip: string[] = []): Promise<string> {
  const h = createHash('sha256');
  for (const rel of await listFiles(dir, skip)) {
    h.update(`${rel}\0`);
    h.update(await fs.readFile(path.join(dir, rel)));
    h.update('\0');
  }
  return h.digest('hex');
}

async function listFiles(dir: string, skip: string[], prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (skip.includes(e.name)) continue;
    if (e.isDirectory()) out.push(...(await listFiles(dir, skip, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** A cache key from named inputs: stable order, every input in it. */
export function cacheKey(inputs: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(inputs).sort()) h.update(`${k}=${inputs[k]}\n`);
  return h.digest('hex').slice(0, 20);
}
