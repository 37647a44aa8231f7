// `ipvs-conform golden --update|--check [--kernel K ...] [--scheduler S ...] [--backend B]
//  [--patch FILE ...] [--module DIR ...] [--jobs J]`
// --update regenerates the golden files from the real kernel and shows what changed, touching no
// file that did not change; --check replays them and fails (exit 1) on any change.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { EXIT, UsageError } from '../errors.js';
import type { BackendOptions } from '../backend.js';
import { type GoldenResult, regenerate } from '../golden/regenerate.js';
import { BACKENDS, type BackendKind, createBackend } from '../run/backends.js';
import { kernelByName, pinnedKernels, type PinnedKernel } from '../run/kernels.js';
import { bad, BUILD_OPTIONS, buildFiles, listArg, oneOf, parse, positiveInt } from './args.js';
import { ALL_SCHEDULERS } from '../generate/schedulers.js';
import { checkCoverageBackend, reportCoverage } from '../coverage/cli.js';
import { CoverageRun } from '../coverage/run.js';

const HELP = `Usage: ipvs-conform golden --update|--check [options]
       ipvs-conform golden --diff K1 K2 [--scheduler S] [--patch FILE]   (see golden --diff --help)

  --update            regenerate golden/ from the real kernel; print what changed
  --check             replay golden/ on the real kernel; exit 1 on any change
  --diff K1 K2        run the golden scenarios on two kernels; per scenario, the first difference
  --kernel K          kernel(s) to use (default: every pinned kernel)
  --scheduler S       only these schedulers (default: every one the kernel has)
  --backend B         qemu (default) or docker (--check only)
  --patch FILE        patch(es) for the kernel's IPVS source (--check only)
  --module DIR        out-of-tree scheduler module(s) (--check only)
  --jobs J            guests in parallel (default 1)
  --coverage          with instrumented IPVS modules: report what the corpus reached
                      (reports/coverage/; --check only)
  -h, --help          this text

Lists: --kernel 6.1,6.12 and --scheduler rr,wrr, or the flag repeated.

Examples:
  ipvs-conform golden --check --kernel 6.1 --scheduler hprio
  ipvs-conform golden --update --kernel 6.1,6.12
`;

const OPTIONS = {
  update: { type: 'boolean' },
  check: { type: 'boolean' },
  kernel: { type: 'string', multiple: true },
  scheduler: { type: 'string', multiple: true },
  ...BUILD_OPTIONS,
  jobs: { type: 'string' },
  coverage: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function goldenCommand(argv: string[]): Promise<number> {
  if (argv.includes('--diff')) return (await import('./golden-diff-command.js')).goldenDiffCommand(argv);
  const { values } = parse(argv, OPTIONS, 'golden');
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.update === values.check) {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected exactly one of \`--update\` or \`--check\`, got ${values.update ? 'both' : 'neither'}. Fix: add one, as in \`ipvs-conform golden --check --kernel 6.1\`; see \`ipvs-conform golden --help\``);
  }
  const backendKind = oneOf('--backend', values.backend, BACKENDS, 'qemu');
  checkCoverageBackend(values.coverage, backendKind);
  const { patches, moduleDirs } = buildFiles(values);
  const modified = Boolean(patches.length || moduleDirs.length || values.coverage || backendKind !== 'qemu');
  if (values.update && modified) {
    throw new UsageError(
      'IPVS_CONFORM_USAGE',
      'Expected `golden --update` on the stock pinned kernels only, got --patch, --module, --coverage or --backend with it (they go with --check). Fix: use --check with them, or drop them',
    );
  }
  const jobs = positiveInt('--jobs', values.jobs, 1);
  const schedulerList = listArg('--scheduler', values.scheduler);
  for (const s of schedulerList) if (!ALL_SCHEDULERS.includes(s)) bad('--scheduler', `one of ${ALL_SCHEDULERS.join(', ')}`, s);
  const kernels = goldenKernels(backendKind, listArg('--kernel', values.kernel));
  const run: GoldenRun = {
    update: !!values.update,
    backendKind,
    backendOptions: { jobs, ...(patches.length ? { patches } : {}), ...(moduleDirs.length ? { moduleDirs } : {}) },
    coverage: !!values.coverage,
    schedulerList,
    manyKernels: kernels.length > 1,
    tally: { changed: 0, flaky: 0, total: 0 },
  };
  for (const k of kernels) await goldenOnKernel(run, k);
  const { tally } = run;
  process.stderr.write(`golden: ${tally.total} cases, ${tally.changed} ${values.update ? 'written' : 'changed'}\n`);
  if (!values.check) return EXIT.ok;
  return tally.changed > 0 ? EXIT.divergence : tally.flaky > 0 ? EXIT.unknown : EXIT.ok;
}

/**
 * The pinned kernels to update or check. A Docker host has one kernel: it is checked once,
 * against the pinned kernel whose semantics its release maps to (Capabilities.kernel).
 */
function goldenKernels(backendKind: BackendKind, kernelList: string[]): PinnedKernel[] {
  const names = backendKind === 'docker' ? [kernelList[0] ?? pinnedKernels().default] : kernelList.length ? kernelList : pinnedKernels().kernels.map((k) => k.name);
  for (const k of names) {
    if (/^(debian|tree):/.test(k))
      throw new UsageError(
        'IPVS_CONFORM_USAGE',
        `golden --update and --check use the corpus of the pinned kernels (${pinnedKernels().kernels.map((x) => x.name).join(', ')}), got \`--kernel ${k}\`. Fix: to see what ${k} changes, run \`ipvs-conform golden --diff ${pinnedKernels().default} ${k}\``,
      );
  }
  return names.map((k) => kernelByName(k));
}

interface GoldenRun {
  /** --update (write the files); else --check. */
  update: boolean;
  backendKind: BackendKind;
  backendOptions: Omit<BackendOptions, 'kernel'>;
  coverage: boolean;
  schedulerList: string[];
  manyKernels: boolean;
  tally: { changed: number; flaky: number; total: number };
}

/** Says what one golden file did (and with --update writes a changed one); counts it. */
async function tellResult(run: GoldenRun, r: GoldenResult): Promise<void> {
  run.tally.total++;
  const rel = path.relative(process.cwd(), r.file);
  if (r.status === 'same') return;
  if (r.status === 'clock') {
    process.stdout.write(`unchanged but for the clock: ${rel} (read at a timer's edge; the model, following each run's jiffies, agrees with both)\n`);
    return;
  }
  if (r.status === 'flaky') {
    run.tally.flaky++;
    process.stdout.write(`did not repeat: ${rel} (changed on one run, unchanged on the next: a guest fault or timing, not the kernel's decision; undecided, exit 5)\n${r.diff}\n`);
    return;
  }
  run.tally.changed++;
  process.stdout.write(`${r.status === 'new' ? 'new' : 'changed'}: ${rel}\n${r.diff}\n`);
  if (run.update) {
    await mkdir(path.dirname(r.file), { recursive: true });
    await writeFileAtomic(r.file, r.text);
  }
}

async function goldenOnKernel(run: GoldenRun, k: PinnedKernel): Promise<void> {
  const coverage = run.coverage ? new CoverageRun(k.name) : undefined;
  const backend = await createBackend(run.backendKind, { kernel: k.name, ...run.backendOptions, ...(coverage ? { coverage } : {}) });
  try {
    const caps = await backend.start();
    const goldenKernel = caps.kernel ?? k.name;
    const schedulers = caps.schedulers.filter((s) => !run.schedulerList.length || run.schedulerList.includes(s));
    process.stderr.write(`golden ${run.update ? 'update' : 'check'}: kernel ${goldenKernel} (${caps.release}), ${schedulers.length} schedulers\n`);
    const results = await regenerate(backend, goldenKernel, caps.release, schedulers, (r) => tellResult(run, r), { check: !run.update, semantics: caps.semantics ?? k.semantics });
    const same = results.filter((r) => r.status === 'same' || r.status === 'clock').length;
    if (coverage) await backend.finishCoverage?.();
    if (coverage) await reportCoverage(coverage, 'reports', goldenKernel, run.manyKernels);
    const notRepeated = results.filter((r) => r.status === 'flaky').length;
    const differ = results.length - same - notRepeated;
    process.stderr.write(`kernel ${goldenKernel}: ${results.length} golden cases, ${same} unchanged, ${differ} ${run.update ? 'written' : 'differ'}${notRepeated ? `, ${notRepeated} did not repeat` : ''}\n`);
  } finally {
    await backend.close();
  }
}
