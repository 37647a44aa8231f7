// Golden files: what a real kernel did with each fixed scenario, stored under
// golden/<kernel>/<scheduler>/<template>.yaml. Only what is deterministic is kept (no guest
// clock, no connection expiry times), so regenerating on an unchanged kernel changes no byte.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import type { Observation, ServiceRow, StepResult } from '../observation.js';
import type { Scenario } from '../scenario.js';

/** golden/ in the repository; IPVS_CONFORM_GOLDEN_DIR points elsewhere (tests use a scratch copy). */
export const GOLDEN_DIR = process.env.IPVS_CONFORM_GOLDEN_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../golden');

export interface GoldenStep {
  error?: { errno: number; name: string };
  dest?: string | null;
  table?: ServiceRow[];
  /** The kernel's jiffies around the event and its table read (the model's clock; never compared). */
  j?: [number, number];
  tableJ?: [number, number];
}

export interface GoldenFile {
  format: 1;
  kernel: string;
  release: string;
  scheduler: string;
  template: string;
  about: string;
  scenario: Scenario;
  observed: {
    steps: GoldenStep[];
    listings: { list: string; thresholds: string; persistent: string };
    /** `ipvsadm -L -n -c` as sorted rows without expiry times (compare/conns.ts connSetText). */
    conns: string;
    /** The kernel's jiffies around the listings, and its HZ (the model's clock; never compared). */
    listingsJ?: [number, number];
    hz?: number;
  };
}

export function goldenPath(kernel: string, scheduler: string, template: string): string {
  return path.join(GOLDEN_DIR, kernel, scheduler, `${template}.yaml`);
}

/** Keeps what the kernel decided, and its jiffies (the model follows them; they are never compared). */
export function toGoldenSteps(steps: StepResult[]): GoldenStep[] {
  return steps.map((s) => {
    const g: GoldenStep = {};
    if (s.error) g.error = { errno: s.error.errno, name: s.error.name };
    if (s.dest !== undefined) g.dest = s.dest;
    if (s.table) g.table = s.table;
    if (s.j) g.j = s.j;
    if (s.tableJ) g.tableJ = s.tableJ;
    return g;
  });
}

/**
 * The file as --check compares it: without the kernel's clock (a new run has new jiffies) and with
 * each table's services by address. The kernel lists services in hash order, and its hash mixes in
 * the netns_ipvs pointer (ip_vs_svc_hashkey), so that order changes from boot to boot.
 */
export function withoutClock(g: GoldenFile): GoldenFile {
  const { listingsJ: _l, hz: _h, ...observed } = g.observed;
  const steps = g.observed.steps.map(({ j: _j, tableJ: _t, ...rest }) => (rest.table ? { ...rest, table: servicesByAddress(rest.table) } : rest));
  return { ...g, observed: { ...observed, steps } };
}

function servicesByAddress(table: ServiceRow[]): ServiceRow[] {
  return [...table].sort((a, b) => a.svc.localeCompare(b.svc));
}

/** A golden file's observation, as a backend would have reported it (for the model to follow). */
export function goldenObservation(g: GoldenFile): Observation {
  return {
    backend: 'golden',
    kernel: { name: g.kernel, release: g.release },
    steps: g.observed.steps.map((s, index) => ({
      index,
      ...(s.error ? { error: { ...s.error, message: '' } } : {}),
      ...(s.dest !== undefined ? { dest: s.dest } : {}),
      ...(s.table ? { table: s.table } : {}),
      ...(s.j ? { j: s.j } : {}),
      ...(s.tableJ ? { tableJ: s.tableJ } : {}),
    })),
    listings: { ...g.observed.listings, conns: connsListing(g.observed.conns) },
    ...(g.observed.listingsJ ? { listingsJ: g.observed.listingsJ } : {}),
    ...(g.observed.hz ? { hz: g.observed.hz } : {}),
  };
}

/** Rebuilds an `ipvsadm -L -n -c` text from stored rows (expiry shown as --:--: not stored, not compared). */
function connsListing(rows: string): string {
  const lines = rows
    .split('\n')
    .filter((l) => l && !l.startsWith('('))
    .map((l) => {
      const [proto, state, source, virt, dest] = l.split(' ');
      return `${proto} --:--  ${state} ${source} ${virt} ${dest}`;
    });
  return ['IPVS connection entries', 'pro expire state       source             virtual            destination', ...lines, ''].join('\n');
}

export function stringifyGolden(g: GoldenFile): string {
  return YAML.stringify(g, { lineWidth: 0, blockQuote: 'literal' });
}

export function parseGolden(file: string, text: string): GoldenFile {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InputError(file, '(document)', 'a YAML golden file', (e as Error).message);
  }
  const g = doc as Partial<GoldenFile> | null;
  if (!g || typeof g !== 'object') throw new InputError(file, '(document)', 'a mapping', doc);
  if (g.format !== 1) throw new InputError(file, 'format', '1', g.format);
  for (const k of ['kernel', 'release', 'scheduler', 'template'] as const) {
    if (typeof g[k] !== 'string') throw new InputError(file, k, 'a string', g[k]);
  }
  if (!g.scenario || !Array.isArray(g.scenario.events)) throw new InputError(file, 'scenario.events', 'a list of events', g.scenario);
  if (!g.observed || !Array.isArray(g.observed.steps)) throw new InputError(file, 'observed.steps', 'a list of steps', g.observed);
  if (g.observed.steps.length !== g.scenario.events.length) {
    throw new InputError(file, 'observed.steps', `${g.scenario.events.length} steps (one per event)`, g.observed.steps.length);
  }
  return g as GoldenFile;
}

/** Every golden file on disk, optionally for one kernel. */
export async function listGoldenFiles(kernel?: string): Promise<string[]> {
  const out: string[] = [];
  const kernels = kernel ? [kernel] : await readdir(GOLDEN_DIR).catch(() => []);
  for (const k of kernels) {
    const kdir = path.join(GOLDEN_DIR, k);
    for (const sched of await readdir(kdir).catch(() => [])) {
      for (const f of await readdir(path.join(kdir, sched)).catch(() => [])) {
        if (f.endsWith('.yaml')) out.push(path.join(kdir, sched, f));
      }
    }
  }
  return out.sort();
}

export async function readGolden(file: string): Promise<GoldenFile> {
  return parseGolden(file, await readFile(file, 'utf8'));
}
