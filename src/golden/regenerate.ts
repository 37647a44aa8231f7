// Runs the golden scenarios on a real kernel and turns what it did into golden files; compares
// them with the files on disk. Used by `golden --update` (write what changed) and
// `golden --check` (fail on any change). A backend failure is never taken as "no change".
import { readFile } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import type { Backend } from '../backend.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import { runOnKernel, settle } from '../judge/kernel-run.js';
import { connSetText } from '../compare/conns.js';
import { goldenCases } from './templates.js';
import { differsOnlyByClock } from './timing.js';
import type { Semantics } from '../model/types.js';
import { goldenPath, parseGolden, stringifyGolden, toGoldenSteps, withoutClock, type GoldenFile } from './corpus.js';

export interface GoldenResult {
  file: string;
  /**
   * `clock`: differs only where each run's jiffies fell, the model agreeing with both (timing.ts);
   * `flaky` (a check): changed once, unchanged when run again.
   */
  status: 'same' | 'changed' | 'new' | 'clock' | 'flaky';
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
    const file = goldenPath(kernel, scheduler, template.name);
    const old = await readFile(file, 'utf8').catch(() => undefined);
    const meta = { kernel, release, scheduler, template: template.name, about: template.about, file, old };
    let r = compared(scenario, await runOnKernel(backend, scenario), meta, opts);
    // A check runs a changed scenario again, as a run confirms a divergence: a difference that
    // does not repeat is told apart (flaky, exit 5), never taken for the kernel's new decision.
    if (opts.check && r.status === 'changed') {
      const again = compared(scenario, await runOnKernel(backend, scenario), meta, opts);
      if (again.status === 'same' || again.status === 'clock') r = { ...r, status: 'flaky' };
    }
    out.push(r);
    await onResult(r);
  }
  // Trouble the kernel printed after the last scenario is a kernel finding too (exit 4).
  await settle(backend);
  return out;
}

interface Meta {
  kernel: string;
  release: string;
  scheduler: string;
  template: string;
  about: string;
  file: string;
  /** The file on disk, if any. */
  old: string | undefined;
}

/** One run of a golden scenario as a golden file, compared with the file on disk. */
function compared(scenario: Scenario, obs: Observation, m: Meta, opts: { check?: boolean; semantics?: Semantics }): GoldenResult {
  const golden: GoldenFile = {
    format: 1,
    kernel: m.kernel,
    release: obs.kernel.release ?? m.release,
    scheduler: m.scheduler,
    template: m.template,
    about: m.about,
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
  const { file } = m;
  const recorded = m.old === undefined ? undefined : parseGolden(file, m.old);
  // A check judges scheduling, not the kernel's name: a Docker host's release (or a patched
  // build's) is not a change in what the kernel decided.
  if (opts.check && recorded) golden.release = recorded.release;
  // What the kernel decided is compared; its jiffies are kept with a case but differ every run.
  const text = stringifyGolden(golden);
  const oldDecided = recorded && stringifyGolden(withoutClock(recorded));
  const decided = stringifyGolden(withoutClock(golden));
  let status: GoldenResult['status'] = oldDecided === undefined ? 'new' : oldDecided === decided ? 'same' : 'changed';
  if (status === 'changed' && opts.semantics && differsOnlyByClock(recorded!, obs, opts.semantics)) status = 'clock';
  const diff = status === 'same' ? '' : createTwoFilesPatch(file, file, oldDecided ?? '', decided, 'on disk', 'kernel now');
  return { file, status, text, diff };
}
