// The coverage build flavour: IPVS modules compiled with gcov's arc counters, plus the collector
// module they depend on (vm/modules/cov: the gcov runtime Debian's kernels lack). The build keeps
// what gcov needs on the host to turn counters into lines and branches: each object's .gcno notes
// and the sources, under their tree-relative paths, in the build's cov/ directory.
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../patch/env.js';
import { kbuild } from '../patch/kbuild.js';
import { copySources } from '../patch/tree.js';

export const COLLECTOR_DIR = path.join(REPO_ROOT, 'vm/modules/cov');
export const COLLECTOR_MODULE = 'ipvsc_cov';

/**
 * gcov's arc counters (as the kernel's own CONFIG_GCOV_KERNEL builds: -fno-tree-loop-im keeps
 * counter updates out of loop-invariant motion). -fprofile-info-section: no constructor (Debian's
 * kernels do not run module constructors); the collector finds the objects through kallsyms.
 */
export const COVERAGE_CFLAGS = ['-fprofile-arcs', '-ftest-coverage', '-fprofile-info-section', '-fno-tree-loop-im'];

/** Where a build's coverage notes live, and how its gcda names map onto them (cov/notes.json). */
export interface CoverageNotes {
  /** Prefix of the gcda file names compiled into the modules (the build tree, absolute, with /). */
  prefix: string;
}

/** Builds the collector in `tree`/vm/modules/cov; returns its .ko and Module.symvers. */
export async function buildCollector(headers: string, tree: string): Promise<{ ko: string; symvers: string; log: string }> {
  const dir = path.join(tree, 'vm/modules/cov');
  await copySources(COLLECTOR_DIR, dir);
  const r = await kbuild({ headers, dir, root: tree, what: 'the coverage collector vm/modules/cov' });
  return { ko: r.kos[0]!, symvers: path.join(dir, 'Module.symvers'), log: r.log };
}

/** Copies every .gcno under `dirs` (relative to `tree`) with the sources beside them into `out`. */
export async function keepNotes(tree: string, dirs: string[], out: string): Promise<void> {
  for (const rel of dirs) {
    const from = path.join(tree, rel);
    for (const f of await readdir(from)) {
      if (!/\.(gcno|c|h)$/.test(f)) continue;
      await mkdir(path.join(out, rel), { recursive: true });
      await cp(path.join(from, f), path.join(out, rel, f));
    }
  }
  for (const h of ['include/net/ip_vs.h', 'include/uapi/linux/ip_vs.h']) {
    await mkdir(path.dirname(path.join(out, h)), { recursive: true });
    await cp(path.join(tree, h), path.join(out, h)).catch(() => undefined);
  }
  const notes: CoverageNotes = { prefix: `${tree}/` };
  await writeFile(path.join(out, 'notes.json'), JSON.stringify(notes, null, 2) + '\n');
}
