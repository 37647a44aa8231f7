// `report merge`: the shards' JSON summaries become one summary (and one table, one JUnit file).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, InputError, worstExit } from '../errors.js';
import { addCounts, drawnOf, runExitCode, SUMMARY_FORMAT, totalsOf, zeroCounts, type KernelSummary, type Summary } from './summary.js';

export const SUMMARY_FILE = 'summary.json';

export async function readSummary(dir: string): Promise<Summary> {
  const file = dir.endsWith('.json') ? dir : path.join(dir, SUMMARY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, '(file)', `a summary written by \`ipvs-conform run --report ${path.dirname(file)}\``, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  let s: Partial<Summary>;
  try {
    s = JSON.parse(text) as Partial<Summary>;
  } catch (e) {
    throw new InputError(file, '(document)', 'JSON', (e as Error).message);
  }
  if (s.format !== SUMMARY_FORMAT) throw new InputError(file, 'format', String(SUMMARY_FORMAT), s.format);
  if (!Array.isArray(s.kernels)) throw new InputError(file, 'kernels', 'a list', s.kernels);
  if (!Array.isArray(s.cases)) throw new InputError(file, 'cases', 'a list', s.cases);
  if (!Array.isArray(s.findings)) throw new InputError(file, 'findings', 'a list', s.findings);
  return s as Summary;
}

function mergeReached(parts: Summary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.reached ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

export function mergeSummaries(parts: Summary[], command: string): Summary {
  const kernels = new Map<string, KernelSummary>();
  for (const p of parts) {
    for (const k of p.kernels) {
      const into = kernels.get(k.kernel) ?? { ...k, elapsedMs: 0, schedulers: {} };
      into.elapsedMs += k.elapsedMs;
      if (k.stoppedBy) into.stoppedBy = [into.stoppedBy, k.stoppedBy].filter(Boolean).join('; ');
      if (k.stopExit !== undefined) into.stopExit = worstExit(into.stopExit ?? EXIT.ok, k.stopExit);
      for (const [s, c] of Object.entries(k.schedulers)) into.schedulers[s] = addCounts(into.schedulers[s] ?? zeroCounts(), c);
      kernels.set(k.kernel, into);
    }
  }
  const ks = [...kernels.values()];
  for (const k of ks) k.schedulers = Object.fromEntries(Object.entries(k.schedulers).sort(([a], [b]) => a.localeCompare(b)));
  const totals = totalsOf(ks);
  const seeds = new Set(parts.map((p) => p.seed));
  const cases = parts.flatMap((p) => p.cases).sort((a, b) => a.kernel.localeCompare(b.kernel) || a.index - b.index);
  return {
    format: SUMMARY_FORMAT,
    startedAt: parts.map((p) => p.startedAt).sort()[0] ?? new Date().toISOString(),
    finishedAt: parts.map((p) => p.finishedAt).sort().at(-1) ?? new Date().toISOString(),
    command,
    seed: seeds.size === 1 ? [...seeds][0]! : NaN,
    interrupted: parts.some((p) => p.interrupted),
    exitCode: runExitCode(totals, ks, parts.flatMap((p) => p.findings), parts[0]?.maxUnknown),
    ...(parts[0]?.maxUnknown ? { maxUnknown: parts[0].maxUnknown } : {}),
    reached: mergeReached(parts),
    totals,
    kernels: ks,
    findings: parts.flatMap((p) => p.findings),
    cases,
    drawn: drawnOf(cases),
  };
}
