// One batch of the soak: a CLI `run` of a few cases on one kernel, with at most one fault injected
// at a random moment after its first guest is up, watched from outside (the host process's peak
// memory, the QEMUs it started) and then audited from what it left on disk.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { pidAlive } from '../src/host/pid.js';
import { pidDir } from '../src/backends/qemu/reaper.js';
import { REPO_ROOT } from '../src/patch/env.js';

export const FAULTS = ['none', 'qemu-kill', 'qemu-stop', 'sigint', 'sigterm'] as const;
export type Fault = (typeof FAULTS)[number];

export interface Batch {
  kernel: string;
  seed: number;
  cases: number;
  jobs: number;
  /** Only this scheduler (all of them when absent). */
  scheduler?: string | undefined;
  fault: Fault;
  /** Delay of the fault after the first guest is ready, in ms. */
  faultAfterMs: number;
  report: string;
  tmp: string;
}

export interface Books {
  /** The exit code, or the signal that ended the run (a SIGINT/SIGTERM after its handlers were gone). */
  exit: string;
  /** The fault struck while the run (and, for a QEMU fault, a guest) was still up. */
  injected: boolean;
  seconds: number;
  interrupted: boolean;
  recorded: number;
  duplicates: number;
  findingsFound: number;
  findingsSaved: number;
  /** Saved findings whose case file, replayed on the same kernel, gives the same outcome again. */
  findingsReplayed: number;
  qemusLeft: number;
  pidFilesLeft: number;
  tmpLeft: string[];
  peakRssKiB: number;
  /** How many recorded cases had each outcome (agree, diverge, flaky, unknown, kernel, infra...). */
  outcomes: Record<string, number>;
}

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');

async function guestPids(node: number): Promise<number[]> {
  const names = (await readdir(pidDir()).catch(() => [] as string[])).filter((n) => n.startsWith(`${node}-`));
  const texts = await Promise.all(names.map((n) => readFile(path.join(pidDir(), n), 'utf8').catch(() => '')));
  return texts.map((t) => Number.parseInt(t, 10)).filter((p) => p > 0);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Sends the batch's fault: to one of the run's QEMUs, or to the run itself. */
function inject(fault: Fault, node: number, qemus: number[]): boolean {
  if (fault === 'none') return false;
  if (fault === 'sigint' || fault === 'sigterm') return process.kill(node, fault === 'sigint' ? 'SIGINT' : 'SIGTERM');
  return !!qemus[0] && process.kill(qemus[0], fault === 'qemu-kill' ? 'SIGKILL' : 'SIGSTOP');
}

export async function runBatch(b: Batch): Promise<Books> {
  const args = ['run', '--kernel', b.kernel, '--seed', String(b.seed), '--cases', String(b.cases), '--jobs', String(b.jobs), '--report', b.report, ...(b.scheduler ? ['--scheduler', b.scheduler] : [])];
  const child = execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1', TMPDIR: b.tmp } });
  const node = child.pid!;
  const started = Date.now();
  const seen = new Set<number>();
  let peak = 0;
  let readyAt: number | undefined;
  child.all!.on('data', (d: Buffer) => {
    if (readyAt === undefined && d.toString().includes('ready (')) readyAt = Date.now();
  });
  let done = false;
  let injected = false;
  const watch = (async () => {
    let tried = false;
    while (!done) {
      peak = Math.max(peak, await peakRss(node));
      const qemus = await guestPids(node);
      qemus.forEach((p) => seen.add(p));
      if (!tried && readyAt !== undefined && Date.now() - readyAt >= b.faultAfterMs) {
        tried = true;
        injected = inject(b.fault, node, qemus);
      }
      await sleep(250);
    }
  })();
  const r = await child;
  done = true;
  await watch;
  // A QEMU killed as its run ended may take a moment to be reaped.
  await sleep(500);
  const run = { exit: r.exitCode === undefined ? String(r.signal) : String(r.exitCode), injected, seconds: Math.round((Date.now() - started) / 1000) };
  return audit(b, run, node, seen, peak);
}

function tally(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/**
 * A divergence replays as exit 1, a kernel finding as exit 4: the case file alone brings it back.
 * One `replay --json` for the batch's files boots one guest for all of them; returns how many replayed.
 */
async function replayAll(found: { file: string; kind: string }[], kernel: string): Promise<number> {
  if (!found.length) return 0;
  const r = await execa('node', [BIN, 'replay', '--json', '--kernel', kernel, ...found.map((f) => f.file)], { reject: false, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });
  let cases: { file: string; exit: number }[];
  try {
    cases = (JSON.parse(r.stdout) as { cases: { file: string; exit: number }[] }).cases;
  } catch {
    console.log(`  replay of ${found.length} file(s): exit ${r.exitCode}, no JSON result: ${r.stderr.split('\n').slice(-3).join(' ')}`);
    return 0;
  }
  let replayed = 0;
  for (const f of found) {
    const expected = f.kind === 'kernel' ? 4 : 1;
    const exit = cases.find((c) => c.file === f.file)?.exit;
    if (exit === expected) replayed++;
    else console.log(`  replay of ${f.file}: exit ${exit ?? 'none'}, expected ${expected}`);
  }
  return replayed;
}

async function audit(b: Batch, run: Pick<Books, 'exit' | 'injected' | 'seconds'>, node: number, seen: Set<number>, peak: number): Promise<Books> {
  const summary = JSON.parse(await readFile(path.join(b.report, 'summary.json'), 'utf8').catch(() => '{"cases":[],"findings":[]}'));
  const indexes: number[] = summary.cases.map((c: { index: number }) => c.index);
  const found = summary.cases.filter((c: { outcome: string }) => c.outcome === 'diverge' || c.outcome === 'kernel').length;
  const saved: { file: string; kind: string }[] = [];
  for (const f of summary.findings as { file: string; kind: string }[]) {
    const file = path.resolve(b.report, f.file);
    if ((await stat(file).catch(() => undefined))?.size) saved.push({ file, kind: f.kind });
  }
  const replayed = await replayAll(saved, b.kernel);
  // Kernel trouble no case can be named for is a finding without a case record.
  const caseless = (summary.findings as { caseIndex?: number; kind: string }[]).filter((f) => f.kind === 'kernel' && f.caseIndex === undefined).length;
  return {
    ...run,
    interrupted: !!summary.interrupted,
    recorded: indexes.length,
    duplicates: indexes.length - new Set(indexes).size,
    findingsFound: found + caseless,
    findingsSaved: saved.length,
    findingsReplayed: replayed,
    qemusLeft: [...seen].filter(pidAlive).length,
    pidFilesLeft: (await guestPids(node)).length,
    tmpLeft: (await readdir(b.tmp)).filter((n) => !n.startsWith('tsx-')),
    peakRssKiB: peak,
    outcomes: tally(summary.cases.map((c: { outcome: string }) => c.outcome)),
  };
}
