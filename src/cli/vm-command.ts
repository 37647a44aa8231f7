// `ipvs-conform vm build|smoke`: build the guest images, and check that each kernel boots and
// every scheduler it has (hprio included) places real connections.
import path from 'node:path';
import { createQemuBackend } from '../backends/qemu/index.js';
import { EXIT, InfraError, UsageError } from '../errors.js';
import { buildImage } from '../backends/qemu/image.js';
import { kernelFileName, loadKernels } from '../backends/qemu/kernels.js';
import { ms } from '../backends/qemu/log.js';
import { cacheDir } from '../host/cache.js';
import {
  checkSchedulers,
  connectCounts,
  fmtCounts,
  schedulersScenario,
  SEED,
  seedScenario,
  SMOKE_WEIGHTS,
  smokeVip,
  summarizeSeed,
} from '../backends/qemu/smoke.js';
import { listArg, parse } from './args.js';
import { resolveKernels } from '../kernels/resolve.js';

export const VM_HELP = `Usage: ipvs-conform vm <build|smoke> [options]

  vm build [--kernel K ...]   download the kernel and headers from Debian's registry, build the
                              hprio module, the agent and the initramfs (cached; instant when
                              nothing changed). Default: the default kernel of vm/kernels.yaml.
  vm smoke [--kernel K ...]   boot each kernel (default: every kernel in vm/kernels.yaml), run one
                              service per scheduler (3 destinations, 10 connections) and the 2005
                              hprio patch's spillover setup (160 clients); print the listings.

Examples:
  ipvs-conform vm build --kernel 6.1
  ipvs-conform vm smoke --kernel 6.1,6.12

Kernels: ${'KERNELS'}, debian:VERSION, debian:latest-6.1|6.12, tree:DIR (a comma-separated list or --kernel repeated). Exit: 0 ok, 2 usage, 3 infrastructure (the smoke check failed), 4 kernel finding.`;

/** The --kernel values (pinned names, debian:..., tree:...), resolved; default: the pinned default, or every pinned kernel. */
async function kernelsArg(values: string[] | undefined, all: boolean): Promise<string[]> {
  const table = loadKernels();
  const listed = listArg('--kernel', values);
  const chosen = listed.length ? listed : all ? Object.keys(table.kernels) : [table.default];
  const resolved = await resolveKernels(chosen, { log: (m) => process.stderr.write(`${m}\n`) });
  return resolved.map((k) => k.name);
}

export async function vmCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const help = VM_HELP.replace('KERNELS', Object.keys(loadKernels().kernels).join(', '));
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(help + '\n');
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const { values } = parse(rest, { kernel: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } }, `vm ${sub}`);
  if (values.help) {
    process.stdout.write(help + '\n');
    return EXIT.ok;
  }
  switch (sub) {
    case 'build':
      for (const kernel of await kernelsArg(values.kernel, false)) {
        const img = await buildImage({ kernel });
        process.stdout.write(`${kernel}: ${img.release} key ${img.key}\n  kernel ${img.kernelPath}\n  initrd ${img.initrdPath}\n`);
      }
      return EXIT.ok;
    case 'smoke': {
      let failed = false;
      for (const kernel of await kernelsArg(values.kernel, true)) failed = !(await smoke(kernel)) || failed;
      return failed ? EXIT.infra : EXIT.ok;
    }
    default:
      throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`vm build\` or \`vm smoke\`, got \`vm ${sub}\`. Fix: ipvs-conform vm build or ipvs-conform vm smoke (see \`ipvs-conform vm --help\`)`);
  }
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');

/** Boots one kernel and runs the two smoke cases; true when both look right. */
async function smoke(kernel: string): Promise<boolean> {
  const logDir = path.join(cacheDir('logs'), `smoke-${kernelFileName(kernel)}`);
  const backend = createQemuBackend({ kernel, jobs: 1, logDir });
  try {
    const t0 = performance.now();
    const caps = await backend.start();
    out(`\n=== kernel ${kernel}: ${caps.release}, ready in ${ms(performance.now() - t0)}`);
    out(`schedulers: ${caps.schedulers.join(' ')}`);
    if (!caps.schedulers.includes('hprio')) throw new InfraError('IPVS_CONFORM_SMOKE', `kernel ${kernel}: the guest has no hprio module`);

    const schedulers = [...caps.schedulers].sort();
    const sc = schedulersScenario(schedulers);
    let t = performance.now();
    const obs = await backend.run(sc);
    out(`\n--- one service per scheduler, 3 destinations (weights ${SMOKE_WEIGHTS.join(', ')}), 10 connections each (${ms(performance.now() - t)})`);
    const problems = checkSchedulers(schedulers, sc, obs);
    const per = connectCounts(sc, obs.steps);
    schedulers.forEach((s, i) => out(`  ${s.padEnd(6)} ${smokeVip(i).padEnd(14)} ${fmtCounts(per.get(smokeVip(i)) ?? new Map())}`));
    out('\n$ ipvsadm -L -n --thresholds');
    out(obs.listings?.thresholds ?? '(no listing)');

    const seed = seedScenario();
    t = performance.now();
    const seedObs = await backend.run(seed);
    const sum = summarizeSeed(seed, seedObs);
    out(`\n--- the 2005 hprio patch's setup: ${SEED.svc} hprio persistent 150; ${SEED.main.join(', ')} weight 5 -x 50 -y 20; spillover ${SEED.spillover} weight 1; ${SEED.clients} clients (${ms(performance.now() - t)})`);
    out(`  connections: ${fmtCounts(sum.counts)}`);
    if (sum.firstSpill !== undefined)
      out(`  the spillover took its first connection at #${sum.firstSpill}, when the main pool held ${Object.entries(sum.mainLoadAtSpill ?? {}).map(([d, n]) => `${d}=${n}`).join(' ')} (upper threshold 50)`);
    out('\n$ ipvsadm -L -n');
    out(seedObs.listings?.list ?? '(no listing)');
    out('$ ipvsadm -L -n --thresholds');
    out(seedObs.listings?.thresholds ?? '(no listing)');

    const all = [...problems, ...sum.problems];
    for (const p of all) out(`SMOKE FAILED (${kernel}): ${p}`);
    if (all.length === 0) out(`smoke ok: kernel ${kernel}`);
    return all.length === 0;
  } finally {
    await backend.close();
  }
}
