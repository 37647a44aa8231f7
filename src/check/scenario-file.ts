// A scenario written by hand: events only, with the kernel optional. What a person should not
// have to spell out is filled in (connection names, clients and ports, the service of the last
// svc-add, thresholds of 0), and `repeat: N` writes an event N times, so the 2005 patch's 160
// connections are one line. A saved case or golden file is read too (its `scenario`). Every
// mistake names the file, the field, what was expected, what arrived and the fix.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import type { Event, Scenario } from '../scenario.js';
import { validateScenario } from '../casefile/validate-scenario.js';

export interface ScenarioFile {
  scenario: Scenario;
  /** The kernel the file asks for, if any. */
  kernel?: string;
  /** For each event of the scenario, where it was written: "events[3]" or "events[3] (copy 7 of 151)". */
  origin: string[];
}

const TOP = ['version', 'kernel', 'about', 'events'];
const MAX_REPEAT = 10_000;
/** Events that name a service; a hand-written one may leave it out to mean the last svc-add's. */
const SVC_OPS = ['svc-edit', 'svc-del', 'dest-add', 'dest-edit', 'dest-del', 'connect'];
const EXAMPLE = 'see `ipvs-conform check --help` for a whole example';
type Raw = Record<string, unknown>;

const isMap = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

/** What to do about a field that is missing or wrong. */
function fixFor(field: string, expected: string, got: unknown): string {
  const dot = field.lastIndexOf('.');
  const [where, name] = dot < 0 ? ['the file', field] : [field.slice(0, dot), field.slice(dot + 1)];
  return got === undefined ? `add \`${name}:\` (${expected}) to ${where}; ${EXAMPLE}` : `set \`${name}\` of ${where} to ${expected}; ${EXAMPLE}`;
}

const bad = (file: string, field: string, expected: string, got: unknown, fix = fixFor(field, expected, got)): never => {
  throw new InputError(file, field, expected, got, fix);
};

/** Reads the document's events and kernel, whichever shape it has (hand-written, case, golden). */
function topLevel(file: string, doc: unknown): { events: unknown; kernel?: string } {
  if (!isMap(doc)) return bad(file, '(document)', 'a mapping with `events:` (a list of events)', doc, `start the file with \`events:\`; ${EXAMPLE}`);
  if (isMap(doc.scenario)) {
    const k = isMap(doc.kernel) ? doc.kernel.name : doc.kernel;
    return { events: doc.scenario.events, ...(typeof k === 'string' ? { kernel: k } : {}) };
  }
  for (const k of Object.keys(doc)) {
    if (!TOP.includes(k)) bad(file, k, `one of the top-level fields ${TOP.join(', ')}`, k, `remove \`${k}:\` or correct its spelling`);
  }
  if (doc.version !== undefined && doc.version !== 1) bad(file, 'version', '1 (or leave it out)', doc.version);
  if (doc.kernel !== undefined && typeof doc.kernel !== 'string') bad(file, 'kernel', 'a kernel name from vm/kernels.yaml in quotes, like "6.1"', doc.kernel, 'write kernel: "6.1" (quoted, or YAML reads 6.10 as 6.1)');
  return { events: doc.events, ...(doc.kernel !== undefined ? { kernel: doc.kernel as string } : {}) };
}

/** Fills in what a hand-written event may leave out; `n` counts the connections so far. */
function withDefaults(e: Raw, state: { svc?: string; n: number }): Raw {
  const out = { ...e };
  if (e.op === 'svc-add' && typeof e.svc === 'string') state.svc = e.svc;
  if (SVC_OPS.includes(e.op as string) && out.svc === undefined && state.svc) out.svc = state.svc;
  if ((e.op === 'dest-add' || e.op === 'dest-edit') && out.upper === undefined) out.upper = 0;
  if ((e.op === 'dest-add' || e.op === 'dest-edit') && out.lower === undefined) out.lower = 0;
  if (e.op === 'connect') {
    const n = ++state.n;
    out.conn ??= `c${n}`;
    // The client's family follows the target's: 2001:db8:1::N for an IPv6 one ([2001:db8::1]:80).
    out.client ??= typeof out.svc === 'string' && out.svc.includes('[') ? `2001:db8:1::${n.toString(16)}` : `10.1.${Math.floor((n - 1) / 254)}.${((n - 1) % 254) + 1}`;
    out.cport ??= 40000 + n - 1;
  }
  delete out.repeat;
  return out;
}

function expand(file: string, events: unknown): { events: Raw[]; origin: string[] } {
  if (!Array.isArray(events)) return bad(file, 'events', 'a list of events (- op: svc-add ...)', events);
  const out: Raw[] = [];
  const origin: string[] = [];
  const state: { svc?: string; n: number } = { n: 0 };
  events.forEach((e, i) => {
    if (!isMap(e)) bad(file, `events[${i}]`, 'an event mapping with an `op`', e, `write it as \`- op: connect\` (a mapping); ${EXAMPLE}`);
    const times = e.repeat ?? 1;
    if (!Number.isInteger(times) || (times as number) < 1 || (times as number) > MAX_REPEAT) bad(file, `events[${i}].repeat`, `a count 1..${MAX_REPEAT}`, e.repeat);
    for (let c = 0; c < (times as number); c++) {
      out.push(withDefaults(e, state));
      origin.push(times === 1 ? `events[${i}]` : `events[${i}] (copy ${c + 1} of ${times})`);
    }
  });
  return { events: out, origin };
}

export function parseScenarioFile(file: string, text: string): ScenarioFile {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return bad(file, '(document)', 'YAML', (e as Error).message.split('\n')[0], 'correct the YAML syntax at the line given');
  }
  const top = topLevel(file, doc);
  const { events, origin } = expand(file, top.events);
  try {
    const scenario = validateScenario(file, '', { version: 1, events });
    if (!scenario.events.some((x: Event) => x.op === 'svc-add')) bad(file, 'events', 'a list of events starting with an svc-add', events[0]?.op, `begin with \`- op: svc-add\` (svc, scheduler); ${EXAMPLE}`);
    return { scenario: { version: 1, events: scenario.events }, ...(top.kernel ? { kernel: top.kernel } : {}), origin };
  } catch (e) {
    if (!(e instanceof InputError) || e.fix) throw e;
    // The validator names the expanded event: name the one written, and say how to fix it.
    const m = /^\.events\[(\d+)\](.*)$/.exec(e.field);
    const field = m ? `${origin[Number(m[1])]}${m[2]}` : e.field;
    return bad(file, field, e.expected, e.got);
  }
}

export async function loadScenarioFile(file: string): Promise<ScenarioFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return bad(file, '(file)', 'a readable scenario file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, 'check the path');
  }
  return parseScenarioFile(file, text);
}
