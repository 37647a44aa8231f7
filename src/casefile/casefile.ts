// A saved case: everything needed to see a divergence again and to replay it with one command.
// YAML, written atomically (write-file-atomic) with a format version; read back with a precise
// error for every field a hand edit may have broken.
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import type { DiffKind } from '../compare/verdict.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import type { ReduceInfo } from '../shrink/minimise.js';
import { validateScenario } from './validate-scenario.js';

export const CASE_FORMAT = 1;

export interface CaseFile {
  format: typeof CASE_FORMAT;
  /** The one command that replays it. */
  replay: string;
  savedAt: string;
  /** What the case found: a divergence, a kernel oops met while running it, or nothing (a scenario saved by `check`). */
  finding: 'divergence' | 'kernel' | 'none';
  kernel: { name: string; release?: string };
  /** Model semantics the case was judged with (chosen by the kernel's exact version, or --semantics). */
  semantics: string;
  backend: string;
  /** Identity of the build that ran: module set hash, patch and out-of-tree module hashes. */
  build?: Observation['build'];
  scheduler: string;
  /**
   * How to draw the original again: `fc.check(prop, { seed: caseSeed, path })` over `generator`. Absent for a scenario written by hand.
   * `guided`: drawn by coverage-guided generation (`arm rr`, `corpus mutation`): the seed alone does not draw it again; the scenario is the case.
   */
  generator?: { runSeed: number; caseIndex: number; caseSeed: number; path?: string; schedulers: string[]; maxOps?: number; guided?: string };
  /** truncatedAt: events after the first difference were cut; `generator.path` leads to the case of that length. */
  shrink?: { originalEvents: number; minimalEvents: number; tried: number; adopted: number; elapsedMs: number; complete: boolean; truncatedAt?: number; stoppedBy?: string; reduce?: ReduceInfo };
  /** The first difference (absent for a kernel finding). */
  verdict?: { stepIndex: number; event: string; what: DiffKind; expected: string; got: string };
  diff?: string;
  /** Console log of a kernel finding. */
  consoleLog?: string;
  /** When the finding was made, where that is not plain (a kernel finding printed after the case had finished). */
  note?: string;
  scenario: Scenario;
  observed?: { kernel?: Observation; model?: Observation };
}

export function replayCommand(file: string): string {
  return `npx ipvs-conform replay ${file}`;
}

export function stringifyCase(c: CaseFile): string {
  return YAML.stringify(c, { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
}

export async function saveCase(file: string, c: CaseFile): Promise<void> {
  await writeFileAtomic(file, stringifyCase(c));
}

const DIFF_KINDS = ['error', 'dest', 'table', 'list', 'thresholds', 'persistent', 'conns', 'law'];

export function parseCase(file: string, text: string): CaseFile {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(file, '(document)', 'a YAML case file written by `ipvs-conform run`', (e as Error).message.split('\n')[0]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(file, '(document)', 'a mapping (a saved case)', doc);
  const c = doc as Record<string, unknown>;
  if (c.format !== CASE_FORMAT) {
    throw new InputError(file, 'format', `${CASE_FORMAT} (this version of ipvs-conform reads case format ${CASE_FORMAT} only)`, c.format);
  }
  const k = c.kernel as Record<string, unknown> | undefined;
  if (!k || typeof k !== 'object' || typeof k.name !== 'string') throw new InputError(file, 'kernel.name', 'a kernel name from vm/kernels.yaml, like "6.1"', k?.name ?? k);
  if (k.release !== undefined && typeof k.release !== 'string') throw new InputError(file, 'kernel.release', 'a string (uname -r)', k.release);
  if (typeof c.semantics !== 'string') throw new InputError(file, 'semantics', 'a model semantics name, like "6.1"', c.semantics);
  if (c.finding !== 'divergence' && c.finding !== 'kernel' && c.finding !== 'none') throw new InputError(file, 'finding', '"divergence", "kernel" or "none"', c.finding);
  if (typeof c.scheduler !== 'string') throw new InputError(file, 'scheduler', 'a scheduler name', c.scheduler);
  if (typeof c.backend !== 'string') throw new InputError(file, 'backend', '"qemu" or "docker"', c.backend);
  const b = c.build as Record<string, unknown> | undefined;
  if (b !== undefined && (typeof b !== 'object' || b === null)) throw new InputError(file, 'build', 'a mapping (modules, patches, module)', b);
  if (b?.patches !== undefined && (!Array.isArray(b.patches) || !b.patches.every((p) => typeof p === 'string'))) {
    throw new InputError(file, 'build.patches', 'a list of patch hashes', b.patches);
  }
  if (c.generator !== undefined) checkGenerator(file, c.generator);
  const v = c.verdict as Record<string, unknown> | undefined;
  if (v !== undefined) {
    if (!v || typeof v !== 'object') throw new InputError(file, 'verdict', 'a mapping (stepIndex, event, what, expected, got)', v);
    if (!Number.isInteger(v.stepIndex)) throw new InputError(file, 'verdict.stepIndex', 'an integer', v.stepIndex);
    if (typeof v.what !== 'string' || !DIFF_KINDS.includes(v.what)) throw new InputError(file, 'verdict.what', `one of ${DIFF_KINDS.join(', ')}`, v.what);
  }
  validateScenario(file, 'scenario', c.scenario);
  const sched = (c.scenario as Scenario).events.find((e) => e.op === 'svc-add');
  if (!sched) throw new InputError(file, 'scenario.events', 'a list of events with an svc-add', (c.scenario as Scenario).events[0]);
  return c as unknown as CaseFile;
}

/** A generated case's `generator` (a case saved by `check` has none). */
function checkGenerator(file: string, g: unknown): void {
  if (!g || typeof g !== 'object') throw new InputError(file, 'generator', 'a mapping (runSeed, caseIndex, caseSeed, schedulers), or no generator at all', g);
  const r = g as Record<string, unknown>;
  for (const f of ['runSeed', 'caseIndex', 'caseSeed'] as const) {
    if (!Number.isInteger(r[f])) throw new InputError(file, `generator.${f}`, 'an integer', r[f]);
  }
  if (r.path !== undefined && (typeof r.path !== 'string' || !/^\d+(:\d+)*$/.test(r.path))) throw new InputError(file, 'generator.path', 'a fast-check path like 0:1:2', r.path);
  if (!Array.isArray(r.schedulers) || !r.schedulers.every((x) => typeof x === 'string')) throw new InputError(file, 'generator.schedulers', 'a list of scheduler names', r.schedulers);
}

export async function loadCase(file: string): Promise<CaseFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, '(file)', 'a readable case file (see the `replay:` line printed by `run`)', code ?? (e as Error).message);
  }
  return parseCase(file, text);
}
