// `golden --check` against the real kernel: an unchanged file passes, a file whose recorded
// decision differs from what the kernel does now is reported with its diff and exit 1.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../../src/golden/corpus.js';

const scratch = await mkdtemp(path.join(os.tmpdir(), 'ipvsc-golden-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

it('golden --check passes unchanged files and fails on a changed decision', async () => {
  await cp(path.join(GOLDEN_DIR, '6.1', 'rr'), path.join(scratch, '6.1', 'rr'), { recursive: true });
  const ties = path.join(scratch, '6.1', 'rr', 'ties.yaml');
  const text = await readFile(ties, 'utf8');
  // Pretend the kernel once sent the first connection elsewhere.
  const edited = text.replace(/\n    - dest: 10\.2\.0\.3:80\n/, '\n    - dest: 10.2.0.9:80\n');
  expect(edited).not.toBe(text);
  await writeFile(ties, edited);

  const r = await execa('node', ['bin/ipvs-conform.mjs', 'golden', '--check', '--kernel', '6.1', '--scheduler', 'rr'], {
    reject: false,
    env: { IPVS_CONFORM_GOLDEN_DIR: scratch },
  });
  expect(r.exitCode, r.stderr).toBe(1);
  expect(r.stdout).toContain('changed: ');
  expect(r.stdout).toContain('ties.yaml');
  expect(r.stdout).toContain('-    - dest: 10.2.0.9:80');
  expect(r.stdout).toContain('+    - dest: 10.2.0.3:80');
  // every other rr file unchanged (the corpus grows with templates: count them)
  const files = (await readdir(path.join(scratch, '6.1', 'rr'))).filter((f) => f.endsWith('.yaml')).length;
  // A difference that does not repeat on a re-run (a guest fault) is told apart, never counted
  // as unchanged; at most one such here.
  const m = new RegExp(`${files} golden cases, (\\d+) unchanged, 1 differ(?:, (\\d+) did not repeat)?`).exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  const notRepeated = Number(m![2] ?? 0);
  expect(notRepeated, r.stdout).toBeLessThanOrEqual(1);
  expect(Number(m![1]) + notRepeated).toBe(files - 1);
}, 600_000);
