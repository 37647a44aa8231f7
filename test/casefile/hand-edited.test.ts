// A case file edited by hand, every way the table of its fields allows: each field missing, of the
// wrong type and out of range, the scenario's own fields likewise. Each gets an error naming the
// file, the field, what was expected, what arrived and the fix (exit 2), or is accepted where an
// optional field may be left out. The test prints the table of classes tried and the error each
// gets; the README's table is that table (checked below).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase, stringifyCase, type CaseFile } from '../../src/casefile/casefile.js';
import { CASE_FIELDS, type FieldSpec } from '../../src/casefile/case-fields.js';
import { EXIT, InputError } from '../../src/errors.js';

const svc = '10.0.0.1:80';
const GOOD: CaseFile = {
  format: 1,
  replay: 'npx ipvs-conform replay reports/cases/x.yaml',
  savedAt: '2026-11-21T00:00:00.000Z',
  finding: 'divergence',
  kernel: { name: '6.1', release: '6.1.0-50-cloud-amd64' },
  semantics: '6.1',
  backend: 'qemu',
  build: { modules: 'abc', patches: ['p1'], module: 'm1' },
  scheduler: 'rr',
  generator: { runSeed: 1, caseIndex: 2, caseSeed: 3, path: '0:1', schedulers: ['rr'], maxOps: 56, guided: 'arm rr' },
  shrink: { originalEvents: 9, minimalEvents: 4, tried: 20, adopted: 5, elapsedMs: 1200, complete: true, truncatedAt: 4, stoppedBy: 'budget', reduce: { fromEvents: 4, toEvents: 4, runs: 3, adopted: 0, unjudged: 0, elapsedMs: 10, oneMinimal: true } },
  verdict: { stepIndex: 3, event: 'fin[c1]', what: 'dest', expected: '10.2.0.1:80', got: '10.2.0.2:80' },
  diff: 'a diff\n',
  consoleLog: 'a log\n',
  note: 'a note',
  scenario: {
    version: 1,
    events: [
      { op: 'svc-add', svc, scheduler: 'rr' },
      { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
      { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
      { op: 'fin', conn: 'c1' },
    ],
  },
  observed: {},
};

/** Values out of the field's range (its type right); a field with none (a free string) has no row. */
const OUT_OF_RANGE: Record<string, unknown> = {
  format: 2,
  finding: 'nothing',
  'kernel.name': '',
  semantics: '7.0',
  backend: 'QEMU 8',
  scheduler: 'Round Robin',
  'generator.caseIndex': -1,
  'generator.path': 'x',
  'generator.schedulers': [],
  'generator.maxOps': 0,
  'shrink.tried': -1,
  'shrink.elapsedMs': -5,
  'verdict.stepIndex': 5,
  'verdict.what': 'color',
  'scenario.version': 2,
  'scenario.events[1].weight': -3,
  'scenario.events[1].upper': 2 ** 32,
  'scenario.events[2].cport': 70000,
  'scenario.events[0].op': 'svc-ad',
};

/** The scenario's fields (validate-scenario.ts) a hand edit most often breaks. */
const SCENARIO_FIELDS: FieldSpec[] = ['scenario.version', 'scenario.events', 'scenario.events[0].op', 'scenario.events[0].svc', 'scenario.events[1].dest', 'scenario.events[1].weight', 'scenario.events[1].upper', 'scenario.events[2].cport', 'scenario.events[2].client'].map(
  (field) => ({ field, required: true, expected: '', ok: () => true }),
);

type Edit = { kind: 'missing' | 'wrong type' | 'out of range'; value?: unknown };

/** A path `a.b[1].c` as the keys to walk. */
const keys = (field: string) => field.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');

function edited(field: string, edit: Edit): string {
  const c = structuredClone(GOOD) as unknown as Record<string, any>;
  const ks = keys(field);
  let parent = c;
  for (const k of ks.slice(0, -1)) parent = parent[k];
  if (edit.kind === 'missing') delete parent[ks.at(-1)!];
  else parent[ks.at(-1)!] = edit.value;
  return stringifyCase(c as unknown as CaseFile);
}

/** A value of another type than the field's: a number where a string (or anything else) is wanted. */
function wrongType(field: string): unknown {
  const c = structuredClone(GOOD) as unknown as Record<string, any>;
  const v = keys(field).reduce((o, k) => o?.[k], c as any);
  return typeof v === 'string' ? 42 : 'x';
}

const rows: { field: string; edit: Edit }[] = [];
for (const s of [...CASE_FIELDS, ...SCENARIO_FIELDS]) {
  rows.push({ field: s.field, edit: { kind: 'missing' } });
  rows.push({ field: s.field, edit: { kind: 'wrong type', value: wrongType(s.field) } });
  if (s.field in OUT_OF_RANGE) rows.push({ field: s.field, edit: { kind: 'out of range', value: OUT_OF_RANGE[s.field] } });
}

/** The error reading the edited case throws, if any. */
function errorOf(row: (typeof rows)[number]): unknown {
  try {
    parseCase('case.yaml', edited(row.field, row.edit));
    return undefined;
  } catch (e) {
    return e;
  }
}

const optional = (field: string) => CASE_FIELDS.some((s) => s.field === field && !s.required);

describe('a case file edited by hand', () => {
  it('accepts the whole case as written', () => {
    expect(parseCase('case.yaml', stringifyCase(GOOD))).toEqual(GOOD);
  });

  it('accepts a verdict on the listings after the last event (stepIndex = the number of events)', () => {
    const c = structuredClone(GOOD);
    c.verdict = { ...c.verdict!, stepIndex: c.scenario.events.length, what: 'conns' };
    expect(parseCase('case.yaml', stringifyCase(c)).verdict?.stepIndex).toBe(4);
  });

  it.each(rows)('$field $edit.kind: an error with file, field, expected, got and fix, or accepted if optional', (row) => {
    const err = errorOf(row);
    if (row.edit.kind === 'missing' && optional(row.field)) {
      expect(err).toBeUndefined();
      return;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.file).toBe('case.yaml');
    // The field named is the one edited or, for a scenario event, the field the edit broke in it.
    expect(row.field.startsWith(e.field) || e.field.startsWith(row.field)).toBe(true);
    expect(e.message).toMatch(/^case\.yaml: \S+: expected .+, got .+\. Fix: .+/s);
    expect(e.message).toContain(row.edit.kind === 'missing' ? 'got nothing (the field is missing)' : `got ${JSON.stringify(row.edit.value)}`);
  });

  it('refuses an unknown top-level field (a misspelling) and says so', () => {
    const text = stringifyCase(GOOD).replace(/^verdict:/m, 'verdcit:');
    expect(() => parseCase('case.yaml', text)).toThrow('case.yaml: verdcit: expected one of the fields of a case, format, replay, savedAt, finding, kernel, semantics, backend, build, scheduler, generator, shrink, verdict, diff, consoleLog, note, scenario, observed, got "verdcit". Fix: remove `verdcit:` or correct its spelling');
  });

  it("prints the table of classes tried, and the README's table is that table", () => {
    const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
    const outcome = (r: (typeof rows)[number]) => {
      const e = errorOf(r);
      return e instanceof InputError ? e.message.replace(/^case\.yaml: /, '') : e === undefined ? 'accepted (optional)' : String(e);
    };
    const lines = rows.map((r) => `| \`${r.field}\` | ${r.edit.kind}${r.edit.kind === 'missing' ? '' : ` (\`${cell(JSON.stringify(r.edit.value))}\`)`} | ${cell(outcome(r))} |`);
    const table = ['| field | edit | error (exit 2) |', '|---|---|---|', ...lines].join('\n');
    console.log(table);
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const missing = lines.filter((l) => !readme.includes(l));
    expect(missing, 'update the README table from this test\'s output').toEqual([]);
  });
});
