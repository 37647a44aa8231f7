// Applying patches to a scratch copy of the tree with GNU patch. Strict on purpose: no fuzz, so a
// patch whose context lines differ from the pinned kernel's is refused rather than applied
// somewhere it was not meant for; offsets (the same lines, moved) are fine.
import path from 'node:path';
import { UsageError } from '../errors.js';
import { tool } from './exec.js';

export interface PatchInput {
  file: string;
  hash: string;
}

/** Applies each patch in order to `tree` (`patch -p1`); the first that fails is a UsageError (exit 2). */
export async function applyPatches(tree: string, patches: PatchInput[], what: string): Promise<string[]> {
  const logs: string[] = [];
  for (const p of patches) {
    const r = await tool('patch', ['-p1', '--batch', '--forward', '--fuzz=0', '--no-backup-if-mismatch', '--reject-file=-', '-d', tree, '-i', path.resolve(p.file)]);
    const out = r.output.split(`${tree}/`).join('');
    if (r.exitCode !== 0) {
      throw new UsageError(
        'IPVS_CONFORM_PATCH_APPLY',
        `${p.file} (sha256 ${p.hash}) does not apply to ${what}:\n${out.trimEnd()}\n` +
          `Fix: rebase the patch onto that tree (patch -p1 --fuzz=0 must accept it), or pick the kernel it was written for with --kernel.`,
      );
    }
    logs.push(`${p.file}:\n${out.trimEnd()}`);
  }
  return logs;
}
