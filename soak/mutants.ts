// npm run mutants [-- --count N --from F --seed S --kernel K --cases C --run-seed R --minutes M --lock FILE
// --out DIR --full]: how the harness does on one-line kernel bugs nobody tuned it to. Draws
// one-line mutants of the pinned kernel's IPVS sources with seed S (soak/mutant-sites.ts, where:
// soak/mutant-targets.ts), runs `ipvs-conform run --patch` on each (C cases, run seed R), and
// classifies it: caught (exit 1 or 4), survived (0), not compiled (2: another is drawn), infra
// (3, 5, 6, 7: never counted as caught or survived). Prints a table and the catch ratio, and keeps
// DIR/results.json (written after every mutant), DIR/NNN.patch and each run's report in DIR/NNN/.
// hprio is left out of the runs: its known divergence would "catch" every mutant. Not in CI.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { writeFileAtomic } from '../src/atomic-write.js';
import { ensureSource } from '../src/patch/debs.js';
import { loadKernelPin } from '../src/patch/env.js';
import { drawMutants, mutantDiff, mutationsOf, type Mutation } from './mutant-sites.js';
import { mutationTargets, SCHEDULERS } from './mutant-targets.js';
import { buildMutant, runMutant, type Built, type MutantResult, type RunOptions } from './mutant-run.js';

const OPTIONS = {
  count: { type: 'string', default: '20' },
  from: { type: 'string', default: '0' },
  seed: { type: 'string', default: '1' },
  kernel: { type: 'string', default: '6.1' },
  cases: { type: 'string', default: '300' },
  'run-seed': { type: 'string', default: '1' },
  minutes: { type: 'string' },
  lock: { type: 'string' },
  out: { type: 'string', default: 'reports/mutants' },
  full: { type: 'boolean', default: false },
} as const;

type Row = Mutation & MutantResult & { id: string; patch: string };
interface Pending {
  id: string;
  m: Mutation;
  patch: string;
  built: Promise<Built>;
}

function flags() {
  try {
    const { values } = parseArgs({ options: OPTIONS });
    const num = (name: keyof typeof OPTIONS, text: string) => {
      const n = Number(text);
      if (Number.isInteger(n) && n >= 0) return n;
      console.error(`mutants: expected --${name} to be a whole number, got \`${text}\`. Fix: e.g. --${name} 20`);
      process.exit(2);
    };
    return {
      count: num('count', values.count), from: num('from', values.from), seed: num('seed', values.seed), cases: num('cases', values.cases),
      runSeed: num('run-seed', values['run-seed']), minutes: values.minutes === undefined ? Infinity : num('minutes', values.minutes),
      kernel: values.kernel, lock: values.lock, out: path.resolve(values.out), full: values.full,
    };
  } catch (e) {
    console.error(`mutants: ${(e as Error).message}. Fix: use --count --from --seed --kernel --cases --run-seed --minutes --lock --out (each with a value) or --full`);
    process.exit(2);
  }
}

/** The candidate mutants of the kernel's own source, grouped: scheduler files, then the rest. */
async function candidates(kernel: string): Promise<{ groups: Mutation[][][]; texts: Map<string, string> }> {
  const root = await ensureSource(await loadKernelPin(kernel));
  const texts = new Map<string, string>();
  const groups: Mutation[][][] = [[], []];
  for (const t of mutationTargets()) {
    const text = await readFile(path.join(root, t.file), 'utf8');
    texts.set(t.file, text);
    groups[t.group === 'scheduler' ? 0 : 1]!.push(mutationsOf(t.file, text, t.keep));
  }
  return { groups, texts };
}

async function main(): Promise<void> {
  const f = flags();
  const { groups, texts } = await candidates(f.kernel);
  const opts: RunOptions = { kernel: f.kernel, cases: f.cases, runSeed: f.runSeed, schedulers: SCHEDULERS, lock: f.lock, full: f.full };
  await mkdir(f.out, { recursive: true });
  const rows: Row[] = [];
  const until = Date.now() + f.minutes * 60_000;
  let stop = false;
  process.once('SIGINT', () => { stop = true; console.error('mutants: SIGINT: no further mutant (the current run goes on)'); });
  const draw = drawMutants(groups, f.seed);
  const next = async (): Promise<Pending | undefined> => {
    const { value: m, done } = draw.next();
    if (done) return undefined;
    const id = String(seq++).padStart(3, '0');
    const patch = path.join(f.out, `${id}.patch`);
    await writeFile(patch, mutantDiff(m, texts.get(m.file)!));
    return { id, m, patch, built: buildMutant(patch, f.kernel) };
  };
  // --from F: the same seeded sequence from its F-th draw on (numbered from F), to extend a run.
  let seq = f.from;
  for (let i = 0; i < f.from; i++) draw.next();
  let pending = await next();
  while (pending && !stop && Date.now() < until && rows.filter(judged).length < f.count) {
    const { id, m, patch, built } = pending;
    console.error(`[${id}] ${where(m)} ${m.operator}: ${m.after.trim()}`);
    const b = await built;
    pending = await next(); // its build overlaps this run
    const r = b.ok ? { ...(await runMutant(patch, path.join(f.out, id), opts, (line) => console.error(line))), buildMs: b.buildMs } : b.result!;
    rows.push({ id, patch: path.relative(process.cwd(), patch), ...m, ...r });
    console.error(`[${id}] ${r.outcome}${r.firstCase !== undefined ? ` at case ${r.firstCase} (${r.scheduler})` : ''}${r.detail ? `: ${r.detail}` : ''}`);
    await writeResults(f, rows);
  }
  printTable(rows);
}

const judged = (r: Row) => r.outcome === 'caught' || r.outcome === 'survived';
const where = (m: Mutation) => `${path.basename(m.file)}:${m.line} ${m.fn}`;

async function writeResults(f: ReturnType<typeof flags>, rows: Row[]): Promise<void> {
  const count = (o: string) => rows.filter((r) => r.outcome === o).length;
  const totals = { caught: count('caught'), survived: count('survived'), notCompiled: count('not-compiled'), infra: count('infra') };
  const settings = { seed: f.seed, kernel: f.kernel, cases: f.cases, runSeed: f.runSeed, full: f.full, schedulers: SCHEDULERS };
  await writeFileAtomic(path.join(f.out, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), settings, totals, mutants: rows }, null, 2)}\n`);
}

function printTable(rows: Row[]): void {
  const t = new Table({ head: ['#', 'site', 'operator', 'mutated line', 'outcome', 'first case', 'build + run (min)'] });
  for (const r of rows) {
    const first = r.firstCase !== undefined ? `${r.firstCase} (${r.scheduler})` : r.outcome === 'infra' ? `exit ${r.exit ?? '?'}` : '';
    t.push([r.id, where(r), r.operator, r.after.trim().slice(0, 60), r.outcome, first, (((r.buildMs ?? 0) + (r.runMs ?? 0)) / 60_000).toFixed(1)]);
  }
  console.log(t.toString());
  const caught = rows.filter((r) => r.outcome === 'caught').length;
  const n = rows.filter(judged).length;
  const others = rows.length - n;
  console.log(`caught ${caught} of ${n} mutants (${n ? ((100 * caught) / n).toFixed(0) : '-'}%); ${others} not judged (not compiled or infra)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(7);
});
