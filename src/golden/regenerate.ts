// Runs the golden scenarios on a real kernel and turns what it did into golden files; compares
// them with the files on disk. Used by `golden --update` (write what changed) and
// `golden --check` (fail on any change). A backend failure is never taken as "no change".
import { readFile } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import type { Backend } from '../backend.js';
import { runOnKernel, settle } from '../judge/kernel-run.js';
import { connSetText } from '../compare/conns.js';
import { goldenCases } from './templates.js';
import { differsOnlyByClock } from './timing.js';
import type { Semantics } from '../model/types.js';
import { goldenPath, parseGolden, stringifyGolden, toGoldenSteps, withoutClock, type GoldenFile } from './corpus.js';

export interface GoldenResult {
  file: string;
  /** `clock`: differs only where each run's jiffies fell, the model agreeing with both (timing.ts). */
  status: 'same' | 'changed' | 'new' | 'clock';
  text: string;
  /** Unified diff against the file on disk (empty when the same). */
  diff: string;
}

export async function regenerate(
  backend: Backend,
  kernel: string,
  release: string,
  schedulers: readonly string[],
  onResult: (r: GoldenResult) => void | Promise<void>,
  opts: { check?: boolean; semantics?: Semantics } = {},
): Promise<GoldenResult[]> {
  const out: GoldenResult[] = [];
  for (const { template, scheduler } of goldenCases(schedulers)) {
    const scenario = template.build(scheduler);
    const obs = await runOnKernel(backend, scenario);
    const golden: GoldenFile = {
      format: 1,
      kernel,
      release: obs.kernel.release ?? release,
      scheduler,
      template: template.name,
      about: template.about,
      scenario,
      observed: {
        steps: toGoldenSteps(obs.steps),
        listings: {
          list: obs.listings?.list ?? '',
          thresholds: obs.listings?.thresholds ?? '',
          persistent: obs.listings?.persistent ?? '',
        },
        conns: connSetText(obs.listings?.conns ?? ''),
        ...(obs.listingsJ ? { listingsJ: obs.listingsJ } : {}),
        ...(obs.hz ? { hz: obs.hz } : {}),
      },
    };
    const file = goldenPath(kernel, scheduler, template.name);
    const old = await readFile(file, 'utf8').catch(() => undefined);
    // A check judges scheduling, not the kernel's name: a Docker host's release (or a patched
    // build's) is not a change in what the kernel decided.
    if (opts.check && old !== undefined) golden.release = parseGolden(file, old).release;
    // What the kernel decided is compared; its jiffies are kept with a case but differ every run.
    const text = stringifyGolden(golden);
    const oldDecided = old === undefined ? undefined : stringifyGolden(withoutClock(parseGolden(file, old)));
    const decided = stringifyGolden(withoutClock(golden));
    let status: GoldenResult['status'] = oldDecided === undefined ? 'new' : oldDecided === decided ? 'same' : 'changed';
    if (status === 'changed' && opts.semantics && differsOnlyByClock(parseGolden(file, old!), obs, opts.semantics)) status = 'clock';
    const diff = status === 'same' ? '' : createTwoFilesPatch(file, file, oldDecided ?? '', decided, 'on disk', 'kernel now');
    const r: GoldenResult = { file, status, text, diff };
    out.push(r);
    await onResult(r);
  }
  // Trouble the kernel printed after the last scenario is a kernel finding too (exit 4).
  await settle(backend);
  return out;
}
