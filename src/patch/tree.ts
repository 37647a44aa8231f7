// Copying and hashing module source directories, leaving out what a previous `make` left behind,
// so that the hash names the sources and a stale .o never sneaks into a build.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const ARTEFACT = /(\.o|\.ko|\.mod|\.mod\.c|\.cmd|\.symvers|\.order|\.a|\.d)$|^\.tmp|^\.cache/;

/** Source files of `dir`, relative, sorted; build artefacts and dot-directories left out. */
export async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(r);
      } else if (e.isFile() && !ARTEFACT.test(e.name)) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/** sha256 (16 hex) of the names and contents of a directory's source files. */
export async function dirHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of await sourceFiles(dir)) {
    h.update(`${f}\0`);
    h.update(await readFile(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Copies `from`'s source files into `to` (created). */
export async function copySources(from: string, to: string): Promise<void> {
  for (const f of await sourceFiles(from)) {
    await mkdir(path.dirname(path.join(to, f)), { recursive: true });
    await copyFile(path.join(from, f), path.join(to, f));
  }
}
