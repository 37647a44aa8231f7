// What the planted-bug tests (test/patch/*-mutant.slow.test.ts) share: the CLI run from the
// repository, an example patch by name, a scratch report folder per file, the cases a run saved.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';
import type { CaseFile } from '../../src/casefile/casefile.js';
import { REPO_ROOT } from '../../src/patch/env.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');

/** `ipvs-conform ARGS` from the repository, never throwing: stdout and stderr interleaved in `all`. */
export const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });

/** vm/examples/patches/NAME, as a path. */
export const examplePatch = (name: string) => path.join(REPO_ROOT, 'vm/examples/patches', name);

/** A scratch folder made before the file's tests and removed after them; `dir(sub)` names one inside. */
export function useReports(prefix: string): { dir: (sub: string) => string } {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  return { dir: (sub) => path.join(root, sub) };
}

/** Every case a run saved under REPORT/cases, with its file. */
export async function savedCases(report: string): Promise<{ file: string; c: CaseFile }[]> {
  const dir = path.join(report, 'cases');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
  return Promise.all(files.map(async (f) => ({ file: path.join(dir, f), c: await loadCase(path.join(dir, f)) })));
}
