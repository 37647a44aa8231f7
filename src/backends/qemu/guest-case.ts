// One case on one guest of the pool: the run, the console checked during and after it, the
// coverage it took, the Observation; and kernel trouble the console printed after the case.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AgentSession } from '../../agent/session.js';
import type { BackendOptions } from '../../backend.js';
import { InfraError, KernelFinding } from '../../errors.js';
import type { Observation } from '../../observation.js';
import type { Scenario } from '../../scenario.js';
import { scanConsole } from './console.js';
import type { Guest } from './guest.js';
import type { Image } from './image.js';
import { kernelFileName } from './kernels.js';
import { log } from './log.js';

export type AgentGuest = Guest<AgentSession>;

/**
 * What each guest ran last, and how far its console had been read then. Trouble printed after
 * that, before the guest's next case, belongs to that case: the kernel cleans up a case's
 * network namespace asynchronously, after the agent has replied.
 */
export class LateTrouble {
  private readonly last = new WeakMap<AgentGuest, { scenario: Scenario; mark: number }>();

  ran(g: AgentGuest, scenario: Scenario, mark: number): void {
    this.last.set(g, { scenario, mark });
  }

  /** The kernel's trouble on g's console since its last case ended, pinned to that case (once). */
  take(g: AgentGuest): KernelFinding | undefined {
    const last = this.last.get(g);
    const f = last && scanConsole(g.console.since(last.mark));
    if (!last || f?.kind !== 'kernel') return undefined;
    this.last.delete(g);
    return new KernelFinding(`after its case had finished, guest ${g.id}'s console printed: ${f.line}`, g.consoleText(), last.scenario);
  }
}

/** Keeps a failed guest's console in logDir (when there is one), numbered by `n`. */
export async function keepConsole(opts: BackendOptions, err: unknown, g: AgentGuest, n: number): Promise<void> {
  if (!opts.logDir) return;
  const file = path.join(opts.logDir, `qemu-${kernelFileName(opts.kernel)}-guest${g.id}-${n}.log`);
  await fs.mkdir(opts.logDir, { recursive: true });
  await fs.writeFile(file, `${(err as Error).message}\n\n${g.consoleText()}`);
  log(`console of guest ${g.id} kept in ${file}`);
}

export interface CaseOnGuest {
  opts: BackendOptions;
  image: Image;
  late: LateTrouble;
  timeoutMs: number;
}

/** Runs `scenario` on g; a WARNING on the console during the case fails it (KernelFinding or InfraError). */
export async function runOnGuest(c: CaseOnGuest, g: AgentGuest, scenario: Scenario): Promise<Observation> {
  const mark = g.console.mark();
  const result = await g.guard(g.session.runCase(scenario, { timeoutMs: c.timeoutMs }), c.timeoutMs + 1000, 'the case result', false, mark);
  // A WARNING printed during the case does not stop the agent: look once more.
  const end = g.console.mark();
  const f = scanConsole(g.console.since(mark));
  if (f) throw g.findingOr(mark, new InfraError('IPVS_CONFORM_GUEST', f.line));
  // On the same guest, before its next case: what this case ran.
  if (c.opts.coverage) c.opts.coverage.take(scenario, await g.session.cov({ timeoutMs: 10_000 }));
  c.late.ran(g, scenario, end);
  return {
    backend: 'qemu',
    kernel: { name: c.opts.kernel, release: g.hello.release },
    build: {
      modules: c.image.kernelKey,
      module: [...(c.image.hprio ? [`hprio:${c.image.hprio}`] : []), ...(c.image.modules ?? [])].join(' '),
      ...(c.image.patches?.length ? { patches: c.image.patches } : {}),
    },
    steps: result.steps,
    listings: result.listings,
    ...(result.listingsJ ? { listingsJ: result.listingsJ } : {}),
    ...(g.hello.hz ? { hz: g.hello.hz } : {}),
  };
}
