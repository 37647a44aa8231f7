// npm run soak [-- --cases N --batch B --jobs J --seed S --fault-rate R --scheduler X --minutes M --keep DIR]:
// N cases (default 10,000) across both pinned kernels, in CLI runs of B cases, a fault injected into
// a share R of them at random (a QEMU killed or stopped mid-run, SIGINT or SIGTERM to the run); then
// the books: cases recorded = cases run, findings saved = findings found (and each replays from its
// case file), processes and temporary files left, the host process's peak memory. --minutes M
// starts no batch after M minutes, and SIGINT/SIGTERM to the soak start no further batch: either
// way the books of the batches run are printed. Every case file the runs saved (findings, flaky
// first runs) is kept in --keep DIR (default reports/soak); the rest of the runs' output goes.
// Not in CI: it boots many guests. Exit 1 when the books do not balance.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FAULTS, runBatch, type Books, type Fault } from './batch.js';
import { seededRandom } from '../src/random.js';

const OPTIONS = {
  cases: { type: 'string', default: '10000' },
  batch: { type: 'string', default: '200' },
  jobs: { type: 'string', default: '2' },
  scheduler: { type: 'string' },
  minutes: { type: 'string' },
  keep: { type: 'string', default: 'reports/soak' },
  seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  'fault-rate': { type: 'string', default: '0.5' },
} as const;
const { values } = parseFlags();

function parseFlags() {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (e) {
    console.error(`soak: ${(e as Error).message}. Fix: use --cases --batch --jobs --seed --fault-rate --scheduler --minutes --keep (each with a value)`);
    process.exit(2);
  }
}

/** A flag's number, or exit 2 saying what was expected. */
function numberFlag(name: string, text: string | undefined, ok: (n: number) => boolean, expected: string): number {
  const n = Number(text);
  if (text !== undefined && text.trim() !== '' && ok(n)) return n;
  console.error(`soak: --${name}: expected ${expected}, got ${JSON.stringify(text)}. Fix: e.g. --${name} ${name === 'fault-rate' ? '0.5' : '10'}`);
  process.exit(2);
}
const whole = (n: number) => Number.isInteger(n) && n > 0;
const total = numberFlag('cases', values.cases, whole, 'a whole number above 0');
const batchSize = numberFlag('batch', values.batch, whole, 'a whole number above 0');
const jobs = numberFlag('jobs', values.jobs, whole, 'a whole number above 0');
/** About how long a case takes with this many guests: a fault is aimed within the run's life. */
const caseMs = 600 / jobs;
const seed = numberFlag('seed', values.seed, Number.isInteger, 'a whole number');
const faultRate = numberFlag('fault-rate', values['fault-rate'], (n) => n >= 0 && n <= 1, 'a share from 0 to 1');
const minutes = values.minutes === undefined ? undefined : numberFlag('minutes', values.minutes, (n) => n > 0, 'minutes above 0');
const deadline = minutes === undefined ? Infinity : Date.now() + minutes * 60_000;
let stopAsked = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    if (!stopAsked) console.log(`${sig}: no further batch; the running one ends first`);
    stopAsked = true;
  });
const KERNELS = ['6.1', '6.12'];

/** Case files outlive the soak's temporary root: a finding is never lost with it. */
async function keepCaseFiles(from: string, to: string): Promise<void> {
  if ((await readdir(from).catch(() => [])).length) await cp(from, to, { recursive: true });
}

async function main(): Promise<number> {
  const rnd = seededRandom(seed); // the same --seed injects the same faults at the same moments
  const root = await mkdtemp(path.join(tmpdir(), 'ipvsc-soak-'));
  const t = { asked: 0, recorded: 0, interruptedRecorded: 0, duplicates: 0, found: 0, saved: 0, replayed: 0, qemus: 0, pidFiles: 0, tmp: 0, peak: 0 };
  const faults: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  console.log(`soak: ${total} cases, batches of ${batchSize}, ${jobs} guests each, seed ${seed}, fault rate ${faultRate}`);
  const started = Date.now();
  // An interrupted run records fewer cases than asked: batches go on until N cases are recorded.
  for (let i = 0; t.recorded + t.interruptedRecorded < total && !stopAsked && Date.now() < deadline; i++) {
    const cases = Math.min(batchSize, total - t.recorded - t.interruptedRecorded);
    const fault: Fault = rnd() < faultRate ? FAULTS[1 + Math.floor(rnd() * (FAULTS.length - 1))]! : 'none';
    const kernel = KERNELS[i % KERNELS.length]!;
    const dir = path.join(root, `batch-${i}`);
    const b = { kernel, seed: seed + i, cases, jobs, scheduler: values.scheduler, fault, faultAfterMs: Math.floor(rnd() * cases * caseMs), report: path.join(dir, 'report'), tmp: await mkdtemp(`${dir}-tmp-`) };
    const books: Books = await runBatch(b);
    await keepCaseFiles(path.join(b.report, 'cases'), values.keep);
    if (books.injected) faults[fault] = (faults[fault] ?? 0) + 1;
    if (books.interrupted) t.interruptedRecorded += books.recorded;
    else (t.asked += cases), (t.recorded += books.recorded);
    t.duplicates += books.duplicates;
    for (const [o, n] of Object.entries(books.outcomes)) outcomes[o] = (outcomes[o] ?? 0) + n;
    t.found += books.findingsFound;
    t.saved += books.findingsSaved;
    t.replayed += books.findingsReplayed;
    t.qemus += books.qemusLeft;
    t.pidFiles += books.pidFilesLeft;
    t.tmp += books.tmpLeft.length;
    t.peak = Math.max(t.peak, books.peakRssKiB);
    console.log(`batch ${i} kernel ${kernel} seed ${b.seed} fault ${fault}${fault === 'none' ? '' : ` at +${b.faultAfterMs} ms${books.injected ? '' : ' (missed: the run or its guest had ended)'}`}: ${books.seconds} s, exit ${books.exit}, ${books.recorded}/${cases} recorded${books.interrupted ? ' (interrupted)' : ''}, findings ${books.findingsSaved}/${books.findingsFound} saved (${books.findingsReplayed} replay), left: ${books.qemusLeft} QEMU, ${books.pidFilesLeft} pid files, ${books.tmpLeft.length} temp files, peak RSS ${(books.peakRssKiB / 1024).toFixed(0)} MiB`);
  }
  await rm(root, { recursive: true, force: true });
  const kept = await readdir(values.keep).catch(() => [] as string[]);
  if (kept.length) console.log(`case files kept (findings, flaky first runs): ${kept.length} in ${values.keep}`);
  console.log(`faults that struck a live run: ${Object.entries(faults).map(([f, n]) => `${f} ${n}`).join(', ')}`);
  console.log(`cases recorded = cases run: ${t.recorded} = ${t.asked} (runs not interrupted); interrupted runs recorded ${t.interruptedRecorded}; indexes recorded twice: ${t.duplicates}`);
  console.log(`outcomes: ${Object.entries(outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`);
  console.log(`findings saved = findings found: ${t.saved} = ${t.found}; replayed from their case files: ${t.replayed} of ${t.saved}`);
  console.log(`left behind: ${t.qemus} QEMU processes, ${t.pidFiles} pid files, ${t.tmp} temporary files`);
  console.log(`host process peak memory (VmHWM): ${(t.peak / 1024).toFixed(0)} MiB`);
  const all = t.recorded + t.interruptedRecorded;
  console.log(`cases in all: ${all} of ${total} asked${all < total ? ' (stopped early: time budget or signal)' : ''}, in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  const balanced = t.recorded === t.asked && t.duplicates === 0 && t.saved === t.found && t.replayed === t.saved && t.qemus + t.pidFiles + t.tmp === 0;
  return balanced ? 0 : 1;
}

process.exitCode = await main();
