// Bad input everywhere a user types or edits, through the CLI as a user meets it: each class gets
// exit 2 and an error saying what was expected, what arrived and the fix, before any guest boots.
// The test prints the README's table of classes (the slow ones that compile are in
// bad-build.slow.test.ts) and checks the README carries each row as printed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, InputError } from '../../src/errors.js';
import { kernelsFile, parseKernels } from '../../src/backends/qemu/kernels.js';
import { cliError, HEADER, missingFromReadme, row, type BadInputResult } from '../helpers/bad-input.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'bad-input-'));
  await writeFile(path.join(tmp, 'case.yaml'), 'format: 2\n');
  await writeFile(path.join(tmp, 'scenario.yaml'), 'events: 3\n');
  await writeFile(path.join(tmp, 'notes.patch'), 'just notes\n');
  await writeFile(path.join(tmp, 'scope.patch'), '--- a/Makefile\n+++ b/Makefile\n@@ -1 +1 @@\n-a\n+b\n');
  await mkdir(path.join(tmp, 'nokbuild'));
  await writeFile(path.join(tmp, 'nokbuild/ip_vs_x.c'), '');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** The real vm/kernels.yaml with its second kernel renamed to the first's name. */
function kernelsTwice(): BadInputResult {
  try {
    parseKernels(readFileSync(kernelsFile, 'utf8').replace('"6.12":', '"6.1":'), 'vm/kernels.yaml');
  } catch (e) {
    return { exitCode: (e as InputError).exitCode, message: (e as Error).message };
  }
  throw new Error('a kernel named twice was accepted');
}

const run = (...a: string[]) => () => cliError(tmp, 'run', '--kernel', '6.1', '--cases', '1', '--report', 'TMP/report', ...a);
const CLASSES: [input: string, edit: string, get: () => Promise<BadInputResult>][] = [
  ['CLI flag', 'unknown (`run --report-dir x`)', () => cliError(tmp, 'run', '--report-dir', 'x')],
  ['CLI flag', 'value missing (`run --cases`)', () => cliError(tmp, 'run', '--cases')],
  ['CLI flag', 'out of range (`run --jobs 0`)', () => cliError(tmp, 'run', '--jobs', '0')],
  ['CLI flag', 'not one of the choices (`run --scheduler foo`)', () => cliError(tmp, 'run', '--scheduler', 'foo')],
  ['case file (`replay`)', 'a field out of range (`format: 2`; every field: the case file table)', () => cliError(tmp, 'replay', 'TMP/case.yaml')],
  ['scenario (`check`)', 'a field of the wrong type (`events: 3`)', () => cliError(tmp, 'check', 'TMP/scenario.yaml')],
  ['`vm/kernels.yaml`', 'a kernel named twice (every edit: the vm/kernels.yaml table)', async () => kernelsTwice()],
  ['`--patch FILE`', 'no such file', () => cliError(tmp, 'run', '--patch', 'TMP/none.patch')],
  ['`--patch FILE`', 'not a unified diff', run('--patch', 'TMP/notes.patch')],
  ['`--patch FILE`', 'changes a file outside IPVS', run('--patch', 'TMP/scope.patch')],
  ['`--module DIR`', 'no such directory', () => cliError(tmp, 'run', '--module', 'TMP/nodir')],
  ['`--module DIR`', 'no Kbuild or Makefile', run('--module', 'TMP/nokbuild')],
];

describe('bad input, through the CLI', () => {
  const rows: string[] = [];

  it.each(CLASSES)('%s, %s: exit 2 with expected, got and fix', async (input, edit, get) => {
    const r = await get();
    expect(r.exitCode, r.message).toBe(EXIT.usage);
    expect(r.message).toMatch(/expected|Expected/);
    expect(r.message).toMatch(/Fix: /);
    expect(r.message).not.toMatch(/internal error|infrastructure/);
    rows.push(row(input, edit, r));
  }, 90_000); // one CLI start each: seconds at a load of 10 and more

  it("prints the table, and the README's table is that table", () => {
    expect(rows).toHaveLength(CLASSES.length);
    console.log(`${HEADER}\n${rows.join('\n')}`);
    expect(missingFromReadme(rows), "update the README table from this test's output").toEqual([]);
  });
});
