// A saved case: everything needed to see a divergence again and to replay it with one command.
// YAML, written atomically (src/atomic-write.ts) with a format version; read back with a precise
// error for every field a hand edit may have broken.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-write.js';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import type { DiffKind } from '../compare/verdict.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import type { ReduceInfo } from '../shrink/minimise.js';
import { caseFix, checkCaseFields } from './case-fields.js';
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

export function parseCase(file: string, text: string): CaseFile {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(file, '(document)', 'a YAML case file written by `ipvs-conform run`', (e as Error).message.split('\n')[0], 'correct the YAML syntax at the line given');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(file, '(document)', 'a mapping (a saved case)', doc, 'replay a file that `ipvs-conform run` saved (its `replay:` line names it)');
  checkCaseFields(file, doc as Record<string, unknown>);
  const c = doc as unknown as CaseFile;
  try {
    validateScenario(file, 'scenario', c.scenario);
  } catch (e) {
    if (!(e instanceof InputError) || e.fix) throw e;
    throw new InputError(file, e.field, e.expected, e.got, caseFix(e.field, e.expected, e.got));
  }
  const events = c.scenario.events;
  if (!events.some((e) => e.op === 'svc-add')) throw new InputError(file, 'scenario.events', 'a list of events with an svc-add', events[0], 'begin the events with `- op: svc-add` (svc, scheduler)');
  // stepIndex n (one past the last event) is the listings taken after the last event.
  if (c.verdict && c.verdict.stepIndex > events.length) {
    const expected = `the index of one of the ${events.length} events, or ${events.length} for the listings after the last, 0..${events.length}`;
    throw new InputError(file, 'verdict.stepIndex', expected, c.verdict.stepIndex, caseFix('verdict.stepIndex', expected, c.verdict.stepIndex));
  }
  return c;
}

export async function loadCase(file: string): Promise<CaseFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, '(file)', 'a readable case file (see the `replay:` line printed by `run`)', code ?? (e as Error).message, 'check the path');
  }
  return parseCase(file, text);
}
