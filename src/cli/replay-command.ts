// `ipvs-conform replay FILE...`: runs saved cases again on the kernel and the model and shows the
// verdict and the diff. A case is only meaningful on the build it was found on: a different
// kernel, release or module/patch identity is refused unless --force.
import type { Backend, BackendOptions, Capabilities } from '../backend.js';
import { loadCase, type CaseFile } from '../casefile/casefile.js';
import { verdictLine } from '../compare/compare.js';
import { judgeRun } from '../judge/oracle.js';
import { runOnKernel } from '../judge/kernel-run.js';
import { EXIT, KernelFinding, UsageError, ConformError, worstExit, type ExitCode } from '../errors.js';
import type { Semantics } from '../model/types.js';
import type { Observation } from '../observation.js';
import { BACKENDS, createBackend } from '../run/backends.js';
import { resolveKernel } from '../kernels/resolve.js';
import { SEMANTICS } from '../run/kernels.js';
import { BUILD_OPTIONS, buildFiles, oneOf, parse } from './args.js';
import { checkCoverageBackend, reportCoverage } from '../coverage/cli.js';
import { CoverageRun } from '../coverage/run.js';

export const REPLAY_HELP = `Usage: ipvs-conform replay FILE... [options]

Runs saved cases (reports/cases/*.yaml) again on the real kernel and the model, and shows the
verdict and the diff.

Options:
  --kernel K      run on this kernel instead of the case's (needs --force if it differs)
  --force         replay even on a different kernel, release or module/patch build
  --backend B     qemu (default) or docker
  --patch FILE    apply this patch (as the run that found the case did; repeatable)
  --module DIR    build and load this out-of-tree module (repeatable)
  --semantics S   judge with this model semantics instead of the case's (${SEMANTICS.join(', ')})
  --coverage      with instrumented IPVS modules: report what the cases reached (reports/coverage/)
  --json          the text on stderr; on stdout one JSON object: the exit code and each file's
                  ({"exit": 1, "cases": [{"file": ..., "kernel": ..., "exit": ...}]})
  -h, --help      this text

Examples:
  ipvs-conform replay reports/cases/6.1-hprio-dest-seed7-case3.yaml
  ipvs-conform replay reports/cases/X.yaml --patch my-fix.patch

Exit codes: 0 every case agrees now, 1 a divergence repeats, 2 a bad case file or option,
3 infrastructure failure, 4 kernel oops or warning, 5 the model could not decide (unknown), 6 a
guest that did not boot, 7 a bug of the harness (the model crashed). Several cases: the first of 4 1 7 2 6 3 5 0 that applies.`;

const OPTIONS = {
  kernel: { type: 'string' },
  force: { type: 'boolean' },
  ...BUILD_OPTIONS,
  semantics: { type: 'string' },
  coverage: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const sameList = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

/** Differences between the build a case was found on and the one it would be replayed on. */
export function buildMismatch(c: CaseFile, kernel: string, caps?: Capabilities, obs?: Observation): string[] {
  const out: string[] = [];
  if (c.kernel.name !== kernel) out.push(`kernel ${c.kernel.name} (case) vs ${kernel} (this replay)`);
  if (caps && c.kernel.release && caps.release !== c.kernel.release) out.push(`release ${c.kernel.release} (case) vs ${caps.release} (running)`);
  // A case without `build` (written by hand) says nothing about the build: any will do.
  if (obs && c.build) {
    const a = c.build;
    const b = obs?.build ?? {};
    if (obs && (a.modules ?? '') !== (b.modules ?? '')) out.push(`module set ${a.modules ?? '(stock)'} (case) vs ${b.modules ?? '(stock)'} (running)`);
    if (obs && (a.module ?? '') !== (b.module ?? '')) out.push(`out-of-tree module ${a.module ?? '(none)'} (case) vs ${b.module ?? '(none)'} (running)`);
    if (obs && !sameList(a.patches, b.patches)) out.push(`patches [${(a.patches ?? []).join(', ')}] (case) vs [${(b.patches ?? []).join(', ')}] (running)`);
  }
  return out;
}

function refuse(file: string, diffs: string[]): UsageError {
  return new UsageError(
    'IPVS_CONFORM_BUILD_MISMATCH',
    `${file}: this case was found on another build: ${diffs.join('; ')}. Fix: replay on the same kernel (--kernel), with the same --patch/--module files, or add --force to replay anyway`,
  );
}

export async function replayCommand(argv: string[]): Promise<number> {
  const { values: v, positionals: files } = parse(argv, OPTIONS, 'replay', true);
  if (v.help) {
    process.stdout.write(REPLAY_HELP + '\n');
    return 0;
  }
  if (!files.length) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected at least one case file, got none. Fix: ipvs-conform replay reports/cases/FILE.yaml (the `replay:` line a run printed)');
  const backendKind = oneOf('--backend', v.backend, BACKENDS, 'qemu');
  checkCoverageBackend(v.coverage, backendKind);
  const semanticsOverride = v.semantics === undefined ? undefined : oneOf<Semantics>('--semantics', v.semantics, SEMANTICS, '6.1');
  const { patches, moduleDirs } = buildFiles(v);
  const resolveOpts = { ...(semanticsOverride ? { semantics: semanticsOverride } : {}), log: (m: string) => process.stderr.write(`${m}\n`) };
  if (v.kernel) await resolveKernel(v.kernel, resolveOpts);

  const results: ReplayResult[] = [];
  const record = (file: string, kernel: string | undefined, exit: number) => results.push({ file, ...(kernel ? { kernel } : {}), exit });
  const out = v.json ? process.stderr : process.stdout;
  // Read every file first: a bad one is reported precisely and the others still replay.
  const byKernel = new Map<string, { file: string; c: CaseFile }[]>();
  for (const file of files) {
    try {
      const c = await loadCase(file);
      const kernel = v.kernel ?? c.kernel.name;
      await resolveKernel(kernel, resolveOpts);
      const pre = buildMismatch(c, kernel);
      if ((c.build?.patches?.length ?? 0) > 0 && !v.patch?.length) pre.push(`the case ran with patches [${c.build!.patches!.join(', ')}], this replay with none`);
      if (pre.length && !v.force) throw refuse(file, pre);
      byKernel.set(kernel, [...(byKernel.get(kernel) ?? []), { file, c }]);
    } catch (e) {
      if (!(e instanceof ConformError)) throw e;
      process.stderr.write(`${e.message}\n`);
      record(file, undefined, e.exitCode);
    }
  }

  for (const [kernel, cases] of byKernel) {
    const opts: BackendOptions = {
      kernel,
      jobs: 1,
      ...(patches.length ? { patches } : {}),
      ...(moduleDirs.length ? { moduleDirs } : {}),
      ...(semanticsOverride ? { semantics: semanticsOverride } : {}),
    };
    const coverage = v.coverage ? new CoverageRun(kernel) : undefined;
    if (coverage) opts.coverage = coverage;
    let backend: Backend | undefined;
    try {
      backend = await createBackend(backendKind, opts);
      const caps = await backend.start();
      for (const { file, c } of cases) record(file, kernel, await replayOne(backend, caps, kernel, file, c, { force: !!v.force, semantics: semanticsOverride, out }));
      if (coverage) await backend.finishCoverage?.();
      if (coverage) await reportCoverage(coverage, 'reports', kernel, byKernel.size > 1);
    } finally {
      await backend?.close();
    }
  }
  const code = worstExit(...results.map((r) => r.exit));
  if (v.json) process.stdout.write(`${JSON.stringify({ exit: code, cases: results })}\n`);
  return code;
}

/** One case file's outcome, for --json: a file refused before any replay has no kernel. */
interface ReplayResult {
  file: string;
  kernel?: string;
  exit: number;
}

export interface ReplayOptions {
  force: boolean;
  semantics: Semantics | undefined;
  /** Where the verdict and diff go: stdout, or stderr when stdout carries --json. */
  out: NodeJS.WritableStream;
}

export async function replayOne(backend: Backend, caps: Capabilities, kernel: string, file: string, c: CaseFile, opts: ReplayOptions): Promise<ExitCode> {
  const { force, semantics: semanticsOverride, out } = opts;
  out.write(`== ${file}: ${c.scheduler} on ${kernel}, ${c.scenario.events.length} events\n`);
  const release = buildMismatch(c, kernel, caps);
  if (release.length && !force) {
    process.stderr.write(refuse(file, release).message + '\n');
    return EXIT.usage;
  }
  let kernelObs: Observation;
  try {
    kernelObs = await runOnKernel(backend, c.scenario, { settle: true });
  } catch (e) {
    if (e instanceof KernelFinding) {
      out.write(`kernel finding: ${e.message}\n${e.consoleLog}\n`);
      return EXIT.kernel;
    }
    throw e;
  }
  const mismatch = buildMismatch(c, kernel, caps, kernelObs);
  if (mismatch.length && !force) {
    process.stderr.write(refuse(file, mismatch).message + '\n');
    return EXIT.usage;
  }
  if (c.finding === 'kernel') {
    out.write('the kernel oops did not repeat on this run\n');
    return EXIT.ok;
  }
  const semantics = (semanticsOverride ?? c.semantics) as Semantics;
  // The model failing is the harness's fault, not the case file's: exit 7, not 2.
  const { verdict } = judgeRun(c.scenario, kernelObs, semantics, file);
  out.write(`verdict (model semantics ${semantics}): ${verdictLine(verdict)}\n`);
  if (verdict.kind === 'diverge') {
    out.write(verdict.diff);
    return EXIT.divergence;
  }
  if (c.verdict) out.write(`(saved verdict was: ${c.verdict.what} at event ${c.verdict.stepIndex} ${c.verdict.event})\n`);
  if (verdict.kind === 'unknown') {
    // Unknown is not a pass: the model could not decide this run.
    out.write(verdict.difference.diff);
    return EXIT.unknown;
  }
  return EXIT.ok;
}
