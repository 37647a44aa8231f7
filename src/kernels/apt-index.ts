// Debian's package index as this machine's apt sees it (apt-cache reads the local lists; nothing is
// downloaded). A fresh machine with empty lists gets one `apt-get update` when running as root.
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { ensureTools, TOOLS } from '../backends/qemu/tools.js';
import { compareDebVersions } from './debversion.js';

let updated = false;
const madisonCache = new Map<string, string[]>();

async function aptCache(args: string[]): Promise<string> {
  await ensureTools([TOOLS.apt]);
  const r = await execa('apt-cache', args, { reject: false });
  if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_APT', `apt-cache ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim().slice(-400)}`);
  return String(r.stdout);
}

async function updateOnce(): Promise<boolean> {
  if (updated || process.getuid?.() !== 0) return false;
  updated = true;
  await execa('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  madisonCache.clear();
  return true;
}

/** Package names matching an (extended) regular expression, sorted. */
export async function searchNames(pattern: string): Promise<string[]> {
  const run = async () =>
    (await aptCache(['search', '--names-only', pattern]))
      .split('\n')
      .map((l) => l.split(' - ')[0]!.trim())
      .filter(Boolean)
      .sort();
  const names = await run();
  return names.length || !(await updateOnce()) ? names : run();
}

/** Every version of each package the index offers, newest first (absent: none). */
export async function versionsOf(pkgs: readonly string[]): Promise<Map<string, string[]>> {
  const todo = pkgs.filter((p) => !madisonCache.has(p));
  if (todo.length) {
    for (const p of todo) madisonCache.set(p, []);
    for (const line of (await aptCache(['madison', ...todo])).split('\n')) {
      const [pkg, version] = line.split('|').map((s) => s.trim());
      if (!pkg || !version) continue;
      const list = madisonCache.get(pkg);
      if (list && !list.includes(version)) list.push(version);
    }
    for (const p of todo) madisonCache.get(p)!.sort((a, b) => compareDebVersions(b, a));
  }
  return new Map(pkgs.map((p) => [p, madisonCache.get(p) ?? []]));
}
