// \`ipvs-conform run\`'s options, read and checked before anything starts: every bad value is a
// usage error that names the flag, what was expected, what arrived and the fix.
import { UsageError } from '../errors.js';
import { ALL_SCHEDULERS } from '../generate/schedulers.js';
import { resolveKernels } from '../kernels/resolve.js';
import type { PinnedKernel } from '../run/kernels.js';
import type { Semantics } from '../model/types.js';
import type { MaxUnknown } from '../report/summary.js';
import { BACKENDS, type BackendKind } from '../run/backends.js';
import type { Shard } from '../run/engine.js';
import { SEMANTICS } from '../run/kernels.js';
import { checkCoverageBackend } from '../coverage/cli.js';
import { checkGuided } from '../coverage/guided-cli.js';
import { bad, BUILD_OPTIONS, buildFiles, durationArg, listArg, maxUnknownArg, oneOf, outputDir, parse, positiveInt, seedArg, shardArg } from './args.js';

export const OPTIONS = {
  scheduler: { type: 'string', multiple: true },
  kernel: { type: 'string', multiple: true },
  cases: { type: 'string' },
  'time-budget': { type: 'string' },
  seed: { type: 'string' },
  case: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  ...BUILD_OPTIONS,
  coverage: { type: 'boolean' },
  guided: { type: 'boolean' },
  corpus: { type: 'string' },
  semantics: { type: 'string' },
  'infra-retries': { type: 'string' },
  'shrink-budget': { type: 'string' },
  'max-ops': { type: 'string' },
  'max-unknown': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunArgs {
  kernels: PinnedKernel[];
  /** --scheduler: empty means every one the kernel has. */
  wanted: string[];
  seed: number;
  cases?: number;
  timeBudgetMs?: number;
  /** --time-budget as given (30m), for the log. */
  timeBudgetText?: string;
  onlyCase?: number;
  shard?: Shard;
  jobs: number;
  infraAttempts: number;
  shrinkBudgetMs: number;
  maxUnknown: MaxUnknown;
  maxOps?: number;
  backendKind: BackendKind;
  semanticsOverride?: Semantics;
  reportDir: string;
  patches: string[];
  moduleDirs: string[];
  json: boolean;
  coverage: boolean;
  guided: boolean;
  corpus?: string;
}

/** `--case K`: one case of the run with `--seed N`; in a shard, it must be one of that shard's. */
function caseArg(v: string | undefined, seed: number | undefined, shard: { index: number; count: number } | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) bad('--case', 'a case index (0, 1, 2 ...: the number after "case" in a saved file name)', v);
  if (seed === undefined) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--seed` with `--case`: a case index means nothing without its run seed. Fix: add --seed N (the seed the run printed)');
  const k = Number(v);
  if (shard && k % shard.count !== shard.index) {
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`--case\` to be a case of shard ${shard.index}/${shard.count} (k mod ${shard.count} = ${shard.index}), got \`${k}\`. Fix: drop --shard (case ${k} is the same case in any shard layout)`);
  }
  return k;
}

/** The run's options, checked; undefined for --help. */
export async function parseRunArgs(argv: string[]): Promise<RunArgs | undefined> {
  const { values: v } = parse(argv, OPTIONS, 'run');
  if (v.help) return undefined;
  if (v.cases !== undefined && v['time-budget'] !== undefined) {
    throw new UsageError('IPVS_CONFORM_USAGE', 'Expected one of `--cases` and `--time-budget`, got both. Fix: keep one');
  }
  const timeBudgetMs = durationArg('--time-budget', v['time-budget']);
  const shard = shardArg(v.shard);
  const explicitSeed = seedArg(v.seed);
  if (shard && explicitSeed === undefined) {
    throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--seed` with `--shard`: every shard must draw from the same seed. Fix: add --seed N (the same on every shard)');
  }
  const onlyCase = caseArg(v.case, explicitSeed, shard);
  const backendKind = oneOf('--backend', v.backend, BACKENDS, 'qemu');
  checkCoverageBackend(v.coverage, backendKind);
  checkGuided(v);
  const semanticsOverride = v.semantics === undefined ? undefined : oneOf<Semantics>('--semantics', v.semantics, SEMANTICS, '6.1');
  const wanted = listArg('--scheduler', v.scheduler);
  for (const s of wanted) if (!ALL_SCHEDULERS.includes(s)) bad('--scheduler', `one of ${ALL_SCHEDULERS.join(', ')}`, s);
  const kernels = await resolveKernels(listArg('--kernel', v.kernel), { semantics: semanticsOverride, log: (m) => process.stderr.write(`${m}\n`) });
  for (const s of wanted) {
    // A kernel whose schedulers are known only once it is up (a tree) may have any.
    if (!kernels.some((k) => !k.schedulers || k.schedulers.includes(s))) {
      throw new UsageError('IPVS_CONFORM_USAGE', `Scheduler \`${s}\` is in none of the kernels asked for (${kernels.map((k) => `${k.name}: ${(k.schedulers ?? []).join(' ')}`).join('; ')}). Fix: add --kernel 6.12 or drop --scheduler ${s}`);
    }
  }
  return {
    kernels,
    wanted,
    seed: explicitSeed ?? Math.floor(Math.random() * 2 ** 31),
    ...(timeBudgetMs === undefined ? { cases: positiveInt('--cases', v.cases, 100) } : { timeBudgetMs, timeBudgetText: v['time-budget']! }),
    ...(onlyCase !== undefined ? { onlyCase } : {}),
    ...(shard ? { shard } : {}),
    jobs: positiveInt('--jobs', v.jobs, 2),
    infraAttempts: positiveInt('--infra-retries', v['infra-retries'], 3),
    shrinkBudgetMs: durationArg('--shrink-budget', v['shrink-budget']) ?? 300_000,
    maxUnknown: maxUnknownArg(v['max-unknown']),
    ...(v['max-ops'] === undefined ? {} : { maxOps: positiveInt('--max-ops', v['max-ops'], 56) }),
    backendKind,
    ...(semanticsOverride ? { semanticsOverride } : {}),
    reportDir: outputDir('--report', v.report ?? 'reports'),
    ...buildFiles(v),
    json: !!v.json,
    coverage: !!v.coverage,
    guided: !!v.guided,
    ...(v.corpus !== undefined ? { corpus: outputDir('--corpus', v.corpus) } : {}),
  };
}
