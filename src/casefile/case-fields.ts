// Every field of a saved case, as a table: whether it must be there, what it must be, and what a
// hand edit that broke it is told (the file, the field, what was expected, what arrived, the fix).
// The scenario itself is checked by validate-scenario.ts.
import { InputError } from '../errors.js';
import { SEMANTICS } from '../model/semantics.js';

type Raw = Record<string, unknown>;

export interface FieldSpec {
  /** Dotted path from the document's top (`generator.caseIndex`). */
  field: string;
  required: boolean;
  expected: string;
  ok: (v: unknown) => boolean;
}

const isMap = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isName = (v: unknown) => isStr(v) && /^[a-z0-9_]+$/.test(v);
const intIn = (min: number, max = Number.MAX_SAFE_INTEGER) => (v: unknown) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const oneOf = (xs: readonly unknown[]) => (v: unknown) => xs.includes(v);
const strList = (v: unknown) => Array.isArray(v) && v.every(isStr);

export const DIFF_KINDS = ['error', 'dest', 'table', 'list', 'thresholds', 'persistent', 'conns', 'law'];
const NON_NEG = 'an integer 0 or more';

const req = (field: string, expected: string, ok: FieldSpec['ok']): FieldSpec => ({ field, required: true, expected, ok });
const opt = (field: string, expected: string, ok: FieldSpec['ok']): FieldSpec => ({ field, required: false, expected, ok });

/** In document order; a field below a mapping is checked only when the mapping is there. */
export const CASE_FIELDS: readonly FieldSpec[] = [
  req('format', '1 (this version of ipvs-conform reads case format 1 only)', (v) => v === 1),
  opt('replay', 'the command that replays the case, a string', isStr),
  opt('savedAt', 'a time stamp, a string', isStr),
  req('finding', '"divergence", "kernel" or "none"', oneOf(['divergence', 'kernel', 'none'])),
  req('kernel', 'a mapping with the kernel\'s name, like {name: "6.1"}', isMap),
  req('kernel.name', 'a kernel name from vm/kernels.yaml, like "6.1"', (v) => isStr(v) && v.length > 0),
  opt('kernel.release', 'a string (uname -r)', isStr),
  req('semantics', `a model semantics, one of ${SEMANTICS.map((s) => `"${s}"`).join(', ')}`, oneOf(SEMANTICS)),
  // The backend that ran the case (qemu, docker, or a test's own): what it was, not what replays it (--backend).
  req('backend', 'the name of the backend that ran the case, like qemu', isName),
  opt('build', 'a mapping (modules, patches, module)', isMap),
  opt('build.modules', 'the module set hash, a string', isStr),
  opt('build.patches', 'a list of patch hashes', strList),
  opt('build.module', 'the out-of-tree module hash, a string', isStr),
  req('scheduler', 'a scheduler name like rr', isName),
  opt('generator', 'a mapping (runSeed, caseIndex, caseSeed, schedulers), or no generator at all', isMap),
  req('generator.runSeed', 'an integer', Number.isInteger),
  req('generator.caseIndex', `a case index, ${NON_NEG}`, intIn(0)),
  req('generator.caseSeed', 'an integer', Number.isInteger),
  opt('generator.path', 'a fast-check path like 0:1:2', (v) => isStr(v) && /^\d+(:\d+)*$/.test(v)),
  req('generator.schedulers', 'a list of scheduler names like [rr, wrr]', (v) => Array.isArray(v) && v.length > 0 && v.every(isName)),
  opt('generator.maxOps', 'a positive integer', intIn(1)),
  opt('generator.guided', 'how the case was drawn, a string', isStr),
  opt('shrink', 'a mapping (originalEvents, minimalEvents, tried, adopted, elapsedMs, complete)', isMap),
  ...['originalEvents', 'minimalEvents', 'tried', 'adopted', 'truncatedAt'].map((f) => opt(`shrink.${f}`, NON_NEG, intIn(0))),
  opt('shrink.elapsedMs', 'milliseconds, a number 0 or more', (v) => typeof v === 'number' && v >= 0),
  opt('shrink.complete', 'true or false', (v) => typeof v === 'boolean'),
  opt('shrink.stoppedBy', 'a string', isStr),
  opt('shrink.reduce', 'a mapping (the reduction pass\'s figures)', isMap),
  opt('verdict', 'a mapping (stepIndex, event, what, expected, got)', isMap),
  req('verdict.stepIndex', `the index of an event, ${NON_NEG}`, intIn(0)),
  opt('verdict.event', 'the event\'s text, a string', isStr),
  req('verdict.what', `one of ${DIFF_KINDS.join(', ')}`, oneOf(DIFF_KINDS)),
  opt('verdict.expected', 'a string', isStr),
  opt('verdict.got', 'a string', isStr),
  opt('diff', 'a string', isStr),
  opt('consoleLog', 'a string', isStr),
  opt('note', 'a string', isStr),
  req('scenario', 'a mapping with version and events', isMap),
  opt('observed', 'a mapping (kernel, model)', isMap),
];

const TOP = [...new Set(CASE_FIELDS.map((s) => s.field.split('.')[0]!))];

/** What to do about a field that is missing or wrong. */
export function caseFix(field: string, expected: string, got: unknown): string {
  const dot = field.lastIndexOf('.');
  const [name, where] = dot < 0 ? [field, 'the top level'] : [field.slice(dot + 1), `\`${field.slice(0, dot)}\``];
  return got === undefined ? `add \`${name}:\` (${expected}) at ${where}` : `set \`${name}\` at ${where} to ${expected}`;
}

const at = (doc: Raw, field: string): { parent: unknown; value: unknown } => {
  const parts = field.split('.');
  let parent: unknown = doc;
  for (const p of parts.slice(0, -1)) parent = isMap(parent) ? parent[p] : undefined;
  return { parent, value: isMap(parent) ? parent[parts.at(-1)!] : undefined };
};

/** Checks every field of the table, then refuses top-level fields it does not know (a misspelling). */
export function checkCaseFields(file: string, doc: Raw): void {
  for (const s of CASE_FIELDS) {
    const { parent, value } = at(doc, s.field);
    if (!isMap(parent)) continue;
    if (value === undefined ? s.required : !s.ok(value)) throw new InputError(file, s.field, s.expected, value, caseFix(s.field, s.expected, value));
  }
  for (const k of Object.keys(doc)) {
    if (!TOP.includes(k)) throw new InputError(file, k, `one of the fields of a case, ${TOP.join(', ')}`, k, `remove \`${k}:\` or correct its spelling`);
  }
}
