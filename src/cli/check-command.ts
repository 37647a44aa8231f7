// `ipvs-conform check FILE.yaml`: a scenario written by hand runs on the real kernel and the
// model; per event it prints the destination each chose and the counters, then the listings and
// the verdict. `--save FILE` writes it as a case file that `replay` accepts.
import path from 'node:path';
import type { Backend } from '../backend.js';
import { CASE_FORMAT, replayCommand, saveCase, type CaseFile } from '../casefile/casefile.js';
import { eventLines, listingsText, verdictText } from '../check/print.js';
import { loadScenarioFile } from '../check/scenario-file.js';
import { verdictLine } from '../compare/compare.js';
import { judgeRun } from '../judge/oracle.js';
import { runOnKernel } from '../judge/kernel-run.js';
import { EXIT, KernelFinding, UsageError } from '../errors.js';
import { scenarioScheduler } from '../generate/scenario-arb.js';
import { SEMANTICS } from '../model/semantics.js';
import type { Semantics } from '../model/types.js';
import type { Observation } from '../observation.js';
import { timelineOf } from '../report/timeline.js';
import { BACKENDS, createBackend } from '../run/backends.js';
import { resolveKernel } from '../kernels/resolve.js';
import { pinnedKernels } from '../run/kernels.js';
import { BUILD_OPTIONS, buildFiles, oneOf, outputFile, parse } from './args.js';

export const CHECK_HELP = `Usage: ipvs-conform check FILE.yaml [options]

Runs a scenario written by hand on the real kernel and on the model, and prints per event the
destination each chose and every destination's active/inactive counts, then the listings and the
verdict. The file holds events only (a saved case or golden file works too):

  kernel: "6.1"                 # optional: the default kernel otherwise
  events:
    - op: svc-add
      svc: 10.0.0.1:80
      scheduler: hprio
    - { op: dest-add, dest: 10.2.0.1:80, weight: 5, upper: 2 }   # svc: the last svc-add's
    - { op: dest-add, dest: 10.2.0.2:80, weight: 1 }             # thresholds: 0 if left out
    - { op: connect, repeat: 3 }   # c1, c2, c3 from 10.1.0.1:40000, 10.1.0.2:40001, ...
    - { op: fin, conn: c1 }

Options:
  --kernel K      run on this kernel: a pinned name, debian:VERSION or tree:DIR (default: the
                  file's \`kernel:\`, else vm/kernels.yaml's default)
  --save FILE     write the run as a case file that \`ipvs-conform replay FILE\` accepts
  --backend B     qemu (default) or docker
  --patch FILE    apply this patch to the kernel's IPVS source (repeatable)
  --module DIR    build and load this out-of-tree scheduler module (repeatable)
  --semantics S   judge with this model semantics instead of the kernel's (${SEMANTICS.join(', ')})
  -h, --help      this text

Examples:
  ipvs-conform check vm/examples/scenarios/hprio-2005.yaml
  ipvs-conform check my-setup.yaml --kernel 6.12 --save reports/cases/my-setup.yaml

Exit codes: 0 the kernel and the model agree, 1 they diverge, 2 a bad file or option,
3 infrastructure failure, 4 kernel oops or warning, 5 the model could not decide (unknown), 6 a
guest that did not boot, 7 a bug of the harness (the model crashed).`;

const OPTIONS = {
  kernel: { type: 'string' },
  save: { type: 'string' },
  ...BUILD_OPTIONS,
  semantics: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, 'check', true);
  if (v.help) {
    process.stdout.write(CHECK_HELP + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('IPVS_CONFORM_USAGE', `Expected one scenario file, got ${positionals.length ? positionals.join(' ') : 'none'}. Fix: ipvs-conform check FILE.yaml (one file; see \`ipvs-conform check --help\`)`);
  const file = positionals[0]!;
  const backendKind = oneOf('--backend', v.backend, BACKENDS, 'qemu');
  const semanticsOverride = v.semantics === undefined ? undefined : oneOf<Semantics>('--semantics', v.semantics, SEMANTICS, '6.1');
  const { patches, moduleDirs } = buildFiles(v);
  if (v.save !== undefined) outputFile('--save', v.save);
  const sf = await loadScenarioFile(file);
  const kernel = await resolveKernel(v.kernel ?? sf.kernel ?? pinnedKernels().default, {
    ...(semanticsOverride ? { semantics: semanticsOverride } : {}),
    log: (m: string) => process.stderr.write(`${m}\n`),
  });
  const backend = await createBackend(backendKind, {
    kernel: kernel.name,
    jobs: 1,
    ...(patches.length ? { patches } : {}),
    ...(moduleDirs.length ? { moduleDirs } : {}),
    ...(semanticsOverride ? { semantics: semanticsOverride } : {}),
  });
  try {
    const caps = await backend.start();
    const semantics = semanticsOverride ?? caps.semantics ?? kernel.semantics;
    process.stdout.write(`== ${file}: ${scenarioScheduler(sf.scenario)}, ${sf.scenario.events.length} events, kernel ${caps.kernel ?? kernel.name} (${caps.release}), model semantics ${semantics}\n`);
    return await checkOne(backend, file, sf.scenario, { name: caps.kernel ?? kernel.name, release: caps.release }, semantics, backend.name, v.save);
  } finally {
    await backend.close();
  }
}

export async function checkOne(backend: Backend, file: string, scenario: CaseFile['scenario'], kernel: CaseFile['kernel'], semantics: Semantics, backendName: string, save?: string): Promise<number> {
  const out = process.stdout;
  const base = { format: CASE_FORMAT, replay: '', savedAt: new Date().toISOString(), kernel, semantics, backend: backendName, scheduler: scenarioScheduler(scenario), note: `checked by hand from ${file}` } as const;
  let kernelObs: Observation;
  try {
    kernelObs = await runOnKernel(backend, scenario, { settle: true });
  } catch (e) {
    if (!(e instanceof KernelFinding)) throw e;
    out.write(`kernel finding: ${e.message}\n${e.consoleLog}\n`);
    if (save) await saveAs(save, { ...base, finding: 'kernel', consoleLog: e.consoleLog, scenario });
    return EXIT.kernel;
  }
  const { model, verdict } = judgeRun(scenario, kernelObs, semantics, file);
  out.write(eventLines(timelineOf(scenario, kernelObs, model, verdict)).join('\n') + '\n\n');
  out.write(listingsText(kernelObs, model) + '\n\n');
  out.write(verdictText(verdict) + '\n');
  if (save) {
    const { kind: _k, diff, ...rest } = verdict.kind === 'diverge' ? verdict : { kind: '', diff: undefined };
    const finding = verdict.kind === 'diverge' ? 'divergence' : 'none';
    // An unknown verdict is no finding, but the saved case says so rather than read as an agreement.
    const note = verdict.kind === 'unknown' ? `${base.note}; the model could not decide: ${verdictLine(verdict)}` : base.note;
    await saveAs(save, { ...base, finding, note, ...(kernelObs.build ? { build: kernelObs.build } : {}), ...(diff ? { verdict: rest as CaseFile['verdict'], diff } : {}), scenario, observed: { kernel: kernelObs, model } });
  }
  return verdict.kind === 'diverge' ? EXIT.divergence : verdict.kind === 'unknown' ? EXIT.unknown : EXIT.ok;
}

async function saveAs(file: string, c: CaseFile): Promise<void> {
  c.replay = replayCommand(path.relative(process.cwd(), file) || file);
  await saveCase(file, c);
  process.stderr.write(`saved ${file}; replay: ${c.replay}\n`);
}
