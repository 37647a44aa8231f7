// What a kernel tree's .config must have for the harness to run it (--kernel tree:DIR): the options
// of vm/tree/ipvs-conform.config, the fragment the README gives, each with why (the comment above
// its group). `=m` there means "as a module or built in"; `=y` and values must match. An option
// the tree's Kconfig does not define (IP_VS_TWOS before 6.2, say) is not asked for.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { vmDir } from '../backends/qemu/paths.js';

export const TREE_FRAGMENT = path.join(vmDir, 'tree', 'ipvs-conform.config');

export interface Requirement {
  option: string;
  want: string;
  why: string;
}

/** The fragment's options in order, each with the comment that heads its group. */
export function parseFragment(text: string): Requirement[] {
  const out: Requirement[] = [];
  let why = '';
  let inComment = false;
  for (const line of text.split('\n')) {
    const c = /^#\s?(.*)$/.exec(line);
    if (c) {
      why = inComment ? `${why} ${c[1]}` : c[1]!;
      inComment = true;
      continue;
    }
    inComment = false;
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (m) out.push({ option: m[1]!, want: m[2]!, why: why.trim() });
  }
  return out;
}

/** A .config as option -> value ('n' for "# CONFIG_X is not set"). */
export function parseDotConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set) out.set(set[1]!, set[2]!.replace(/^"(.*)"$/, '$1'));
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) out.set(unset[1]!, 'n');
  }
  return out;
}

export interface Missing extends Requirement {
  /** What the tree's .config has: a value, 'n', or undefined (absent: a dependency is off). */
  have: string | undefined;
}

function satisfied(want: string, have: string | undefined): boolean {
  if (want === 'm') return have === 'y' || have === 'm';
  return have === want.replace(/^"(.*)"$/, '$1');
}

/** The fragment's options the .config does not meet, of those the tree's Kconfig defines. */
export function missingOptions(reqs: readonly Requirement[], config: Map<string, string>, defined: (option: string) => boolean): Missing[] {
  return reqs.filter((r) => defined(r.option) && !satisfied(r.want, config.get(r.option))).map((r) => ({ ...r, have: config.get(r.option) }));
}

/** Every symbol a tree's Kconfig files define (`config X`, `menuconfig X`). */
export async function kconfigSymbols(dir: string): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'Documentation' && e.name !== 'tools') await walk(path.join(rel, e.name));
      } else if (e.name.startsWith('Kconfig')) {
        for (const m of (await readFile(path.join(dir, rel, e.name), 'utf8')).matchAll(/^\s*(?:menu)?config\s+(\w+)/gm)) out.add(`CONFIG_${m[1]}`);
      }
    }
  };
  await walk('');
  return out;
}

/** How a missing option reads in an error: `CONFIG_VETH=m (have: not set): the guest topology ...`. */
export function describeMissing(m: Missing): string {
  const want = m.want === 'm' ? 'y or m' : m.want;
  const have = m.have === undefined ? 'absent (a dependency is off)' : m.have === 'n' ? 'not set' : m.have;
  return `${m.option}: want ${want}, have ${have} (${m.why})`;
}
