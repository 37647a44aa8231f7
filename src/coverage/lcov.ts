// From summed gcov counters to the standard reports: gcda files beside the builds' gcno notes,
// then lcov's own tools (geninfo through `lcov --capture`, `genhtml`). A zero baseline from the
// notes alone (`--initial`) is added in, so modules no case loaded still count their lines.
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { ensureTools, TOOLS } from '../backends/qemu/tools.js';
import { gcdaBytes, type Counters } from './counters.js';
import type { CoverageNotes } from './flavour.js';

/** The IPVS code a report is about: the kernel's IPVS, its header, hprio and --module builds. */
export const REPORT_PATTERNS = ['*/net/netfilter/ipvs/*', '*/include/net/ip_vs.h', '*/vm/modules/*'];

const RC = ['--rc', 'lcov_branch_coverage=1'];

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const r = await execa(cmd, args, { cwd, reject: false, all: true });
  if (r.exitCode !== 0) {
    // lcov 1.16 on Debian prints "Subroutine ... redefined" on every run: noise, left out.
    const out = String(r.all).split('\n').filter((l) => !/Subroutine .* redefined/.test(l));
    throw new InfraError('IPVS_CONFORM_COVERAGE', `${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.exitCode}):\n${out.slice(-15).join('\n')}`);
  }
}

/** Lays the notes out under `data` and writes one gcda per object the takes named. */
async function layOut(counters: Counters, notesDirs: string[], data: string): Promise<number> {
  const prefixes: string[] = [];
  for (const dir of notesDirs) {
    const notes = JSON.parse(await readFile(path.join(dir, 'notes.json'), 'utf8')) as CoverageNotes;
    prefixes.push(notes.prefix);
    for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await cp(path.join(dir, e.name), path.join(data, e.name), { recursive: true });
  }
  let written = 0;
  for (const o of counters.objects.values()) {
    const prefix = prefixes.find((p) => o.file.startsWith(p));
    if (!prefix) throw new InfraError('IPVS_CONFORM_COVERAGE', `the guest counted ${o.file}, which no coverage build of this run compiled`);
    await writeFile(path.join(data, o.file.slice(prefix.length)), gcdaBytes(o));
    written++;
  }
  return written;
}

/**
 * Writes `dir`/lcov.info (IPVS files only, lines, functions and branches) and the HTML report in
 * `dir`/html; returns the tracefile's path. `dir`/data keeps the notes, sources and gcda files.
 */
export async function writeLcov(counters: Counters, notesDirs: string[], dir: string): Promise<string> {
  const tools = await ensureTools([TOOLS.gcov, TOOLS.lcov, TOOLS.genhtml]);
  const lcov = tools.lcov!;
  const data = path.join(dir, 'data');
  await rm(dir, { recursive: true, force: true });
  await mkdir(data, { recursive: true });
  const gcdas = await layOut(counters, notesDirs, data);
  const common = ['--gcov-tool', tools['gcov-12']!, '-d', data, '-b', data, '-q', ...RC];
  await run(lcov, ['--capture', '--initial', ...common, '-o', 'base.info'], dir);
  const parts = ['-a', 'base.info'];
  if (gcdas) {
    await run(lcov, ['--capture', ...common, '-o', 'run.info'], dir);
    parts.push('-a', 'run.info');
  }
  await run(lcov, [...parts, '-q', ...RC, '-o', 'all.info'], dir);
  await run(lcov, ['--extract', 'all.info', ...REPORT_PATTERNS, '-q', ...RC, '-o', 'lcov.info'], dir);
  await run(tools.genhtml!, ['lcov.info', '-q', '--branch-coverage', '--prefix', data, '-o', 'html'], dir);
  for (const f of ['base.info', 'run.info', 'all.info']) await rm(path.join(dir, f), { force: true });
  return path.join(dir, 'lcov.info');
}
