// `ipvs-conform golden --update|--check [--kernel K ...] [--scheduler S ...] [--backend B]
//  [--patch FILE ...] [--module DIR ...] [--jobs J]`
// --update regenerates the golden files from the real kernel and shows what changed, touching no
// file that did not change; --check replays them and fails (exit 1) on any change.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { EXIT, UsageError } from '../errors.js';
import { regenerate } from '../golden/regenerate.js';
import { BACKENDS, createBackend, type BackendKind } from '../run/backends.js';
import { kernelByName, pinnedKernels } from '../run/kernels.js';
import { listArg } from './args.js';
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

export async function goldenCommand(argv: string[]): Promise<number> {
  if (argv.includes('--diff')) return (await import('./golden-diff-command.js')).goldenDiffCommand(argv);
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      update: { type: 'boolean' },
      check: { type: 'boolean' },
      kernel: { type: 'string', multiple: true },
      scheduler: { type: 'string', multiple: true },
      backend: { type: 'string' },
      patch: { type: 'string', multiple: true },
      module: { type: 'string', multiple: true },
      jobs: { type: 'string' },
      coverage: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.update === values.check) {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected exactly one of \`--update\` or \`--check\`\n\n${HELP}`);
  }
  const backendKind = (values.backend ?? 'qemu') as BackendKind;
  if (!BACKENDS.includes(backendKind)) {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`--backend\` to be one of ${BACKENDS.join(', ')}, got \`${values.backend}\``);
  }
  checkCoverageBackend(values.coverage, backendKind);
  const modified = Boolean(values.patch?.length || values.module?.length || values.coverage || backendKind !== 'qemu');
  if (values.update && modified) {
    throw new UsageError(
      'IPVS_CONFORM_USAGE',
      'golden --update records the stock pinned kernels only; --patch, --module, --coverage and --backend go with --check',
    );
  }
  const jobs = Number(values.jobs ?? 1);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`--jobs\` to be a positive integer, got \`${values.jobs}\``);
  // A Docker host has one kernel: it is checked once, against the pinned kernel whose semantics
  // its release maps to (Capabilities.kernel).
  const kernelList = listArg('--kernel', values.kernel);
  const schedulerList = listArg('--scheduler', values.scheduler);
  const names = backendKind === 'docker' ? [kernelList[0] ?? pinnedKernels().default] : kernelList.length ? kernelList : pinnedKernels().kernels.map((k) => k.name);
  const kernels = names.map((k) => kernelByName(k));

  let changed = 0;
  let total = 0;
  for (const k of kernels) {
    const coverage = values.coverage ? new CoverageRun(k.name) : undefined;
    const backend = await createBackend(backendKind, { kernel: k.name, jobs, patches: values.patch, moduleDirs: values.module, ...(coverage ? { coverage } : {}) });
    try {
      const caps = await backend.start();
      const goldenKernel = caps.kernel ?? k.name;
      const schedulers = caps.schedulers.filter((s) => !schedulerList.length || schedulerList.includes(s));
      process.stderr.write(`golden ${values.update ? 'update' : 'check'}: kernel ${goldenKernel} (${caps.release}), ${schedulers.length} schedulers\n`);
      const results = await regenerate(backend, goldenKernel, caps.release, schedulers, async (r) => {
        total++;
        const rel = path.relative(process.cwd(), r.file);
        if (r.status === 'same') return;
        changed++;
        process.stdout.write(`${r.status === 'new' ? 'new' : 'changed'}: ${rel}\n${r.diff}\n`);
        if (values.update) {
          await mkdir(path.dirname(r.file), { recursive: true });
          await writeFileAtomic(r.file, r.text);
        }
      }, { check: values.check });
      const same = results.filter((r) => r.status === 'same').length;
      if (coverage) await backend.finishCoverage?.();
      if (coverage) await reportCoverage(coverage, 'reports', goldenKernel, kernels.length > 1);
      process.stderr.write(`kernel ${goldenKernel}: ${results.length} golden cases, ${same} unchanged, ${results.length - same} ${values.update ? 'written' : 'differ'}\n`);
    } finally {
      await backend.close();
    }
  }
  process.stderr.write(`golden: ${total} cases, ${changed} ${values.update ? 'written' : 'changed'}\n`);
  return values.check && changed > 0 ? EXIT.divergence : EXIT.ok;
}
