// vm/kernels.yaml edited by hand, every way: each field of a kernel missing, of the wrong type and
// out of range, the fields disagreeing with each other, an unknown key, a YAML syntax error, a
// kernel named twice or unquoted. Each gets an input error (exit 2) naming the file, the key, what
// was expected, what arrived and the fix; none is a crash (exit 7) or infrastructure (exit 3). The
// test prints the table of classes tried and the error each gets; the README's table is that table.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXIT, InputError } from '../../../src/errors.js';
import { KERNEL_FIELDS } from '../../../src/backends/qemu/kernel-fields.js';
import { kernelsFile, parseKernels, readKernelsFile } from '../../../src/backends/qemu/kernels.js';

const REAL = readFileSync(kernelsFile, 'utf8');
type Doc = { default: unknown; kernels: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** The real file with one edit made to its parsed form (comments go; the edit is what counts). */
function edit(f: (d: Doc) => void): string {
  const d = parse(REAL) as Doc;
  f(d);
  return stringify(d);
}

const OUT_OF_RANGE: Record<string, unknown> = {
  release: 'six-one',
  version: '6.1.176',
  image: 'Linux Image',
  headers: ['linux-headers-6.1.0-50-cloud-amd64', 'Linux_Kbuild'],
  source: 'linux-source-6.1',
};

type Row = { key: string; edit: string; text: string };
const rows: Row[] = [];
for (const f of KERNEL_FIELDS) {
  const k = `kernels."6.1".${f.key}`;
  rows.push({ key: k, edit: 'missing', text: edit((d) => delete d.kernels['6.1']![f.key]) });
  const wrong = f.key === 'headers' ? 'linux-headers-6.1.0-50-cloud-amd64' : 6.1;
  rows.push({ key: k, edit: `wrong type (\`${JSON.stringify(wrong)}\`)`, text: edit((d) => (d.kernels['6.1']![f.key] = wrong)) });
  rows.push({ key: k, edit: `out of range (\`${JSON.stringify(OUT_OF_RANGE[f.key])}\`)`, text: edit((d) => (d.kernels['6.1']![f.key] = OUT_OF_RANGE[f.key])) });
}
const set = (key: string, v: unknown) => edit((d) => (d.kernels['6.1']![key] = v));
rows.push(
  { key: 'kernels."6.1".version', edit: 'a stream the model does not know (`"5.10.197-1"`)', text: set('version', '5.10.197-1') },
  { key: 'kernels."6.1".release', edit: 'another kernel\'s (`"6.12.117+deb12-amd64"`)', text: set('release', '6.12.117+deb12-amd64') },
  { key: 'kernels."6.1".image', edit: 'another release\'s (`"linux-image-6.1.0-49-cloud-amd64"`)', text: set('image', 'linux-image-6.1.0-49-cloud-amd64') },
  { key: 'kernels."6.1".headers', edit: 'without the release\'s headers (`["linux-kbuild-6.1"]`)', text: set('headers', ['linux-kbuild-6.1']) },
  { key: 'kernels."6.1".source', edit: 'another version (`"linux-source-6.1=6.1.170-1"`)', text: set('source', 'linux-source-6.1=6.1.170-1') },
  { key: 'kernels."6.1".imgae', edit: 'unknown key (a misspelling)', text: set('imgae', 'x') },
  { key: 'kernels."6.1".semantics', edit: 'a semantics label', text: set('semantics', '6.1') },
  { key: 'kernels."6.1"', edit: 'not a mapping (`"6.1.176-1"`)', text: edit((d) => (d.kernels['6.1'] = '6.1.176-1' as never)) },
  { key: 'kernels', edit: 'missing', text: edit((d) => delete (d as Record<string, unknown>).kernels) },
  { key: 'kernels', edit: 'empty (`{}`)', text: edit((d) => (d.kernels = {})) },
  { key: 'kernels.6.10', edit: 'a name unquoted (`6.10:`, YAML\'s number 6.1)', text: REAL.replace('"6.12":', '6.10:') },
  { key: 'kernels."6.1"', edit: 'the same name twice', text: REAL.replace('"6.12":', '"6.1":') },
  { key: 'kernels."debian:6.1"', edit: 'a name with a colon', text: REAL.replace('"6.12":', '"debian:6.1":') },
  { key: 'default', edit: 'missing', text: edit((d) => delete (d as Record<string, unknown>).default) },
  { key: 'default', edit: 'wrong type (unquoted `6.1`, a number)', text: REAL.replace('default: "6.1"', 'default: 6.1') },
  { key: 'default', edit: 'out of range (`"5.10"`)', text: REAL.replace('default: "6.1"', 'default: "5.10"') },
  { key: 'defualt', edit: 'unknown top-level key', text: `defualt: x\n${REAL}` },
  { key: '(top level)', edit: 'a list', text: '- "6.1"\n' },
  { key: '(top level)', edit: 'an empty file', text: '' },
  { key: '(YAML)', edit: 'syntax: an unclosed `[`', text: REAL.replace('headers: [linux-headers-6.1.0-50-cloud-amd64,', 'headers: [linux-headers-6.1.0-50-cloud-amd64') .replace(', linux-kbuild-6.1]', ', linux-kbuild-6.1') },
  { key: '(YAML)', edit: 'syntax: a tab as indentation', text: REAL.replace('    release: 6.1.0-50-cloud-amd64', '\trelease: 6.1.0-50-cloud-amd64') },
);

function errorOf(row: Row): unknown {
  try {
    parseKernels(row.text, 'kernels.yaml');
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('vm/kernels.yaml edited by hand', () => {
  it('reads the real file as it is', () => {
    expect(Object.keys(parseKernels(REAL).kernels)).toEqual(['6.1', '6.12']);
  });

  it('a missing file is an input error naming it and the fix, not a crash', () => {
    const gone = path.join(path.dirname(kernelsFile), 'no-such-kernels.yaml');
    expect(() => readKernelsFile(gone)).toThrow(expect.objectContaining({ exitCode: EXIT.usage, message: expect.stringMatching(/no-such-kernels\.yaml: expected the table of pinned kernels, got no such file\. Fix: restore it/) }));
  });

  it.each(rows)('$key $edit: an input error (exit 2) with the key, expected, got and fix', (row) => {
    const e = errorOf(row);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).exitCode).toBe(EXIT.usage);
    expect((e as InputError).message).toMatch(/^kernels\.yaml: .+: expected .+, got .+\. Fix: .+/s);
    // The key named is the one edited (for YAML syntax, the line).
    const want = row.key === '(YAML)' ? /^line \d+, column \d+$/ : row.key.replaceAll('"', '');
    expect((e as InputError).field).toMatch(want);
  });

  it("prints the table of classes tried, and the README's table is that table", () => {
    const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
    const lines = rows.map((r) => `| \`${r.key}\` | ${cell(r.edit)} | ${cell((errorOf(r) as Error).message.replace(/^kernels\.yaml: /, ''))} |`);
    console.log(['| key | edit | error (exit 2) |', '|---|---|---|', ...lines].join('\n'));
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(lines.filter((l) => !readme.includes(l)), "update the README table from this test's output").toEqual([]);
  });
});
