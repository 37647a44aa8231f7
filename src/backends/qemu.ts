// The QEMU backend: N guests of one pinned kernel (src/vm/), each running the static agent;
// a Scenario runs in one guest and comes back as an Observation. It never judges the result.
// A hung or broken guest is killed and replaced, and its case fails with InfraError (or
// KernelFinding when the console shows the kernel's trouble): never a pass.
import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentSession } from '../agent/session.js';
import type { Backend, BackendOptions, Capabilities } from '../backend.js';
import { InfraError, UsageError } from '../errors.js';
import type { Observation } from '../observation.js';
import type { Scenario } from '../scenario.js';
import { scanConsole } from '../vm/console.js';
import { Guest } from '../vm/guest.js';
import { buildImage, type Image } from '../vm/image.js';
import { chooseAccel } from '../vm/kvm.js';
import { log, ms } from '../vm/log.js';
import { GuestPool } from '../vm/pool.js';
import { sweepOrphans } from '../vm/reaper.js';
import { ensureTools, TOOLS } from '../vm/tools.js';

/** Time limits, in ms. A case's limit grows with its events and the waits it asks for. */
export const QEMU_TIMEOUTS = {
  boot: 60_000,
  caseBase: 20_000,
  perEvent: 500,
} as const;

export function caseTimeoutMs(scenario: Scenario): number {
  const waits = scenario.events.reduce((sum, e) => sum + (e.op === 'wait' ? e.ms : 0), 0);
  return QEMU_TIMEOUTS.caseBase + QEMU_TIMEOUTS.perEvent * scenario.events.length + waits;
}

export interface QemuBackendExtras {
  /** Boot timeout per guest (default QEMU_TIMEOUTS.boot; TCG on a busy 2-core host needs room). */
  bootTimeoutMs?: number;
  /** Overrides the per-case time limit (tests of hung guests). */
  caseTimeoutMs?: number;
  /** Extra kernel command-line words (bench experiments). */
  cmdline?: string[];
  memMiB?: number;
}

export type QemuBackend = Backend & {
  readonly image: Image | undefined;
  /** The pool's guests, for benchmarks and smoke checks (ping, agent stats). */
  withGuest<T>(fn: (g: Guest<AgentSession>) => Promise<T>): Promise<T>;
  /** Guests booted to replace failed ones so far. */
  readonly replaced: number;
};

export function createQemuBackend(opts: BackendOptions & QemuBackendExtras): QemuBackend {
  let image: Image | undefined;
  let pool: GuestPool<AgentSession> | undefined;
  let caps: Capabilities | undefined;
  let logCount = 0;
  let consoleCount = 0;

  const keepLog = async (err: unknown, g: Guest<AgentSession>): Promise<void> => {
    if (!opts.logDir) return;
    const file = path.join(opts.logDir, `qemu-${opts.kernel}-guest${g.id}-${++logCount}.log`);
    await fs.mkdir(opts.logDir, { recursive: true });
    await fs.writeFile(file, `${(err as Error).message}\n\n${g.consoleText()}`);
    log(`console of guest ${g.id} kept in ${file}`);
  };

  const backend: QemuBackend = {
    name: 'qemu',
    get image() {
      return image;
    },
    get replaced() {
      return pool?.replaced ?? 0;
    },

    async start(): Promise<Capabilities> {
      if (caps) return caps;
      const killed = await sweepOrphans();
      if (killed) log(`killed ${killed} QEMU process(es) left behind by an earlier run`);
      const tools = await ensureTools([TOOLS.qemu]);
      image = await buildImage({ kernel: opts.kernel, patches: opts.patches, moduleDirs: opts.moduleDirs });
      const accel = await chooseAccel(tools['qemu-system-x86_64']!, image.bzImagePath);
      const img = image;
      const started = performance.now();
      pool = new GuestPool(opts.jobs, () =>
        Guest.boot({
          image: img,
          accel,
          connect: (s) => new AgentSession(s),
          bootTimeoutMs: opts.bootTimeoutMs ?? QEMU_TIMEOUTS.boot,
          cmdline: opts.cmdline,
          memMiB: opts.memMiB,
          // Every guest's console goes to a file in logDir when there is one.
          logFile: opts.logDir ? path.join(opts.logDir, `console-${opts.kernel}-${process.pid}-${++consoleCount}.log`) : undefined,
        }),
      );
      const guests = await pool.start();
      const hello = guests[0]!.hello;
      log(`${guests.length} guest(s) of kernel ${opts.kernel} ready (${accel}) in ${ms(performance.now() - started)}`);
      if (hello.release !== img.release)
        throw new InfraError('IPVS_CONFORM_WRONG_KERNEL', `guest runs ${hello.release}, expected ${img.release} for kernel ${opts.kernel}`);
      caps = { release: hello.release, schedulers: hello.schedulers };
      return caps;
    },

    async run(scenario: Scenario): Promise<Observation> {
      if (!pool || !image) throw new InfraError('IPVS_CONFORM_NOT_STARTED', 'the QEMU backend was not started: call start() first');
      const img = image;
      const timeoutMs = opts.caseTimeoutMs ?? caseTimeoutMs(scenario);
      return pool.withGuest(async (g) => {
        const mark = g.console.mark();
        try {
          const result = await g.guard(g.session.runCase(scenario, { timeoutMs }), timeoutMs + 1000, 'the case result', false, mark);
          // A WARNING printed during the case does not stop the agent: look once more.
          const f = scanConsole(g.console.since(mark));
          if (f) throw g.findingOr(mark, new InfraError('IPVS_CONFORM_GUEST', f.line));
          return {
            backend: 'qemu',
            kernel: { name: opts.kernel, release: g.hello.release },
            build: {
              modules: img.kernelKey,
              module: [`hprio:${img.hprio}`, ...(img.modules ?? [])].join(' '),
              ...(img.patches?.length ? { patches: img.patches } : {}),
            },
            steps: result.steps,
            listings: result.listings,
          };
        } catch (err) {
          if (!(err instanceof UsageError)) await keepLog(err, g).catch(() => undefined);
          throw err;
        }
      });
    },

    withGuest<T>(fn: (g: Guest<AgentSession>) => Promise<T>): Promise<T> {
      if (!pool) return Promise.reject(new InfraError('IPVS_CONFORM_NOT_STARTED', 'the QEMU backend was not started'));
      return pool.withGuest(fn);
    },

    async close(): Promise<void> {
      await pool?.close();
    },
  };
  return backend;
}
