// Reading a patch before anything is built: is it a unified diff, which tree does it change (the
// kernel's IPVS source or the project's own vm/modules/hprio), and what is its content hash.
// Applying it is patch(1)'s job (apply.ts); this only refuses what could never work, with a
// message that says why.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** What a patch may change, and which build it then feeds. */
export type PatchTarget = 'kernel' | 'hprio';

/** Paths (after stripping one leading component, as `patch -p1` does) a patch may touch. */
export const KERNEL_PATHS = ['net/netfilter/ipvs/', 'include/net/ip_vs.h', 'include/uapi/linux/ip_vs.h'];
export const HPRIO_PATH = 'vm/modules/hprio/';

export interface PatchFile {
  /** Path in the tree after -p1, e.g. net/netfilter/ipvs/ip_vs_wlc.c. */
  path: string;
  hunks: number;
  added: number;
  removed: number;
}

export interface ParsedPatch {
  /** The file as given on the command line. */
  file: string;
  /** First 16 hex digits of the sha256 of the patch's bytes: how reports and cases name it. */
  hash: string;
  files: PatchFile[];
  targets: PatchTarget[];
}

export function contentHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

const REGENERATE = 'regenerate the patch with git diff (or diff -u) from the top of the kernel tree';

function malformed(file: string, line: number, what: string): UsageError {
  return new UsageError('IPVS_CONFORM_PATCH_MALFORMED', `${file}:${line}: ${what}. Fix: ${REGENERATE}`);
}

/** `--- a/net/x.c\t2024-01-01 ...` → `net/x.c` (null for /dev/null). */
function headerPath(rest: string): string | null {
  let p = rest.split('\t')[0]!.trim();
  if (p.startsWith('"')) p = p.slice(1, -1); // git quotes odd names
  if (p === '/dev/null') return null;
  const slash = p.indexOf('/');
  return slash < 0 ? '' : p.slice(slash + 1);
}

function targetOf(p: string): PatchTarget | undefined {
  if (p.startsWith(HPRIO_PATH)) return 'hprio';
  if (KERNEL_PATHS.some((k) => (k.endsWith('/') ? p.startsWith(k) : p === k))) return 'kernel';
  return undefined;
}

/** Parses and validates a unified diff; throws UsageError (exit 2) saying what is wrong. */
export function parsePatch(text: string, file: string): ParsedPatch {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const files: PatchFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('GIT binary patch') || /^Binary files .* differ$/.test(l)) {
      throw malformed(file, i + 1, 'binary diffs cannot be applied to source: expected a text unified diff');
    }
    if (l.startsWith('rename from ') || l.startsWith('copy from ')) {
      throw malformed(file, i + 1, 'git renames and copies are not supported: expected a plain unified diff (git diff --no-renames)');
    }
    if (l.startsWith('*** ') && lines[i + 1]?.startsWith('--- ')) {
      throw malformed(file, i + 1, 'this is a context diff: expected a unified diff (diff -u, git diff, git format-patch)');
    }
    if (!l.startsWith('--- ') || !lines[i + 1]?.startsWith('+++ ')) continue;
    const oldPath = headerPath(l.slice(4));
    const newPath = headerPath(lines[i + 1]!.slice(4));
    const p = newPath ?? oldPath;
    if (p === null) throw malformed(file, i + 1, 'both sides of the file header are /dev/null');
    if (p === '' || p.includes('..')) {
      throw malformed(file, i + 1, `file header ${JSON.stringify(l)}: expected a path with a leading directory to strip (a/net/..., as patch -p1 wants)`);
    }
    if (!targetOf(p)) {
      throw new UsageError(
        'IPVS_CONFORM_PATCH_SCOPE',
        `${file}:${i + 1}: the patch changes ${p}, which an out-of-tree IPVS build cannot rebuild: ` +
          `expected paths under ${KERNEL_PATHS.join(', ')} (kernel) or ${HPRIO_PATH} (the project's hprio module). ` +
          `Fix: split the patch and keep only its IPVS part.`,
      );
    }
    const entry: PatchFile = { path: p, hunks: 0, added: 0, removed: 0 };
    i += 2;
    // Hunks: "@@ -a[,b] +c[,d] @@", then exactly b old and d new lines.
    while (i < lines.length && lines[i]!.startsWith('@@')) {
      const m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[i]!);
      if (!m) throw malformed(file, i + 1, `bad hunk header ${JSON.stringify(lines[i])}: expected "@@ -start,count +start,count @@"`);
      let oldLeft = m[1] === undefined ? 1 : Number(m[1]);
      let newLeft = m[2] === undefined ? 1 : Number(m[2]);
      const start = i + 1;
      i++;
      while (oldLeft > 0 || newLeft > 0) {
        const h = lines[i];
        if (h === undefined || h.startsWith('@@') || h.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
          throw malformed(file, start, `hunk of ${p} ends early: ${oldLeft} old and ${newLeft} new lines missing (a truncated or hand-edited patch? regenerate it with diff -u or git diff)`);
        }
        const c = h[0];
        if (c === '-') (oldLeft--, entry.removed++);
        else if (c === '+') (newLeft--, entry.added++);
        else if (c === ' ' || h === '') (oldLeft--, newLeft--); // mailers strip a lone space
        else if (c !== '\\') throw malformed(file, i + 1, `unexpected line in a hunk of ${p}: ${JSON.stringify(h.slice(0, 60))} (expected ' ', '-', '+' or '\\')`);
        i++;
      }
      if (lines[i]?.startsWith('\\')) i++;
      entry.hunks++;
    }
    if (entry.hunks === 0) throw malformed(file, i + 1, `${p} has a file header but no hunks`);
    files.push(entry);
    i--; // the for loop's i++
  }
  if (files.length === 0) {
    throw new UsageError(
      'IPVS_CONFORM_PATCH_MALFORMED',
      `${file}: no unified diff found: expected "--- a/net/netfilter/ipvs/..." and "+++ b/..." file headers followed by "@@" hunks (diff -u, git diff or git format-patch output), got none. Fix: ${REGENERATE}`,
    );
  }
  const targets = [...new Set(files.map((f) => targetOf(f.path)!))].sort();
  return { file, hash: contentHash(text), files, targets };
}

/** Reads and parses a patch file; a missing file is a usage error too. */
export async function readPatch(file: string): Promise<ParsedPatch & { text: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UsageError('IPVS_CONFORM_PATCH_MISSING', `--patch ${file}: cannot read it (${(e as Error).message})`, { cause: e });
  }
  const text = bytes.toString('utf8');
  return { ...parsePatch(text, file), hash: contentHash(bytes), text };
}
