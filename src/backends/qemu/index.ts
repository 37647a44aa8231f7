// The QEMU backend: N guests of one pinned kernel (this folder), each running the static agent;
// a Scenario runs in one guest and comes back as an Observation. It never judges the result.
// A hung or broken guest is killed and replaced, and its case fails with InfraError (or
// KernelFinding when the console shows the kernel's trouble): never a pass.
import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentSession } from '../../agent/session.js';
import type { Backend, BackendOptions, Capabilities } from '../../backend.js';
import { InfraError, KernelFinding, UsageError } from '../../errors.js';
import type { Observation } from '../../observation.js';
import type { Scenario } from '../../scenario.js';
import { scanConsole } from './console.js';
import { Guest } from './guest.js';
import { buildImage, type Image } from './image.js';
import { chooseAccel } from './kvm.js';
import { log, ms } from './log.js';
import { kernelFileName, kernelSpec } from './kernels.js';
import { ALL_SCHEDULERS } from '../../generate/schedulers.js';
import { readSchedulerProbe, schedulerProbeScenario } from '../docker/probe.js';
import { GuestPool } from './pool.js';
import { sweepOrphans } from './reaper.js';
import { ensureTools, TOOLS } from './tools.js';
import type { Icount } from './qemu-args.js';

/**
 * Every guest runs on virtual time (QEMU -icount shift=auto,sleep=off): the guest clock jumps to
 * the next timer when the guest idles, so the lifecycle's waits (minutes, hours) cost seconds, and
 * the kernel's jiffies are the model's clock. IPVS_CONFORM_ICOUNT=none|auto|N overrides it.
 */
export const VIRTUAL_TIME: Icount = { shift: 'auto', sleep: false };

function icountSetting(): Icount | null {
  const v = process.env.IPVS_CONFORM_ICOUNT;
  if (v === undefined || v === '') return VIRTUAL_TIME;
  if (v === 'none') return null;
  if (v === 'auto') return { shift: 'auto', sleep: false };
  if (/^\d+$/.test(v)) return { shift: Number(v), sleep: false };
  throw new UsageError('IPVS_CONFORM_BAD_ICOUNT', `IPVS_CONFORM_ICOUNT=${v}: expected none, auto or a shift 0..10`);
}

/** Time limits, in ms. A case's limit grows with its events and the waits it asks for. */
export const QEMU_TIMEOUTS = {
  boot: 60_000,
  caseBase: 20_000,
  perEvent: 500,
  /** After the last case, how long to wait for trouble the kernel prints late (drain). */
  drainSettle: 300,
} as const;

/** What the coverage takes of a guest's start-up and of the modules' unloading belong to: no case. */
const COVERAGE_START: Scenario = { version: 1, events: [] };
const COVERAGE_END: Scenario = { version: 1, events: [] };

/**
 * On virtual time a guest wait costs a small fraction of itself in wall time (a 600 s wait took
 * 1.4-2.9 s under load): a twentieth leaves room. On real time it costs all of it.
 */
export const VIRTUAL_WAIT_SHARE = 1 / 20;

export function caseTimeoutMs(scenario: Scenario, virtualTime = false): number {
  const waits = scenario.events.reduce((sum, e) => sum + (e.op === 'wait' ? e.ms : 0), 0);
  return QEMU_TIMEOUTS.caseBase + QEMU_TIMEOUTS.perEvent * scenario.events.length + (virtualTime ? waits * VIRTUAL_WAIT_SHARE : waits);
}

export interface QemuBackendExtras {
  /** Boot timeout per guest (default QEMU_TIMEOUTS.boot; TCG on a busy 2-core host needs room). */
  bootTimeoutMs?: number;
  /** Overrides the per-case time limit (tests of hung guests). */
  caseTimeoutMs?: number;
  /** Boot this image instead of building the kernel's (a test's image with a different /init). */
  image?: Image;
}

export type QemuBackend = Backend & {
  readonly image: Image | undefined;
  /**
   * A guest of the pool, lent to `fn`: tests stop one (its pid) or read its console. Stays in
   * src: a guest's QEMU process is not reachable from outside the pool.
   */
  withGuest<T>(fn: (g: Guest<AgentSession>) => Promise<T>): Promise<T>;
  /** Guests booted to replace failed ones so far. */
  readonly replaced: number;
  drain(): Promise<KernelFinding[]>;
  finishCoverage(): Promise<void>;
};

/**
 * The agent lists the scheduler modules in modules.dep; a tree built with IPVS schedulers in the
 * kernel (=y) has them without modules. For a tree kernel, the schedulers the agent did not list
 * are tried once (a throwaway service each; ENOENT: not there).
 */
async function withBuiltins(kernel: string, listed: string[], run: (sc: Scenario) => Promise<Observation>): Promise<string[]> {
  const others = ALL_SCHEDULERS.filter((s) => !listed.includes(s) && s !== 'hprio');
  if (!kernelSpec(kernel).tree || !others.length) return listed;
  const found = readSchedulerProbe(others, (await run(schedulerProbeScenario(others))).steps).schedulers;
  if (found.length) log(`built into kernel ${kernel}: ${found.join(' ')}`);
  return [...listed, ...found];
}

export function createQemuBackend(opts: BackendOptions & QemuBackendExtras): QemuBackend {
  let image: Image | undefined;
  let pool: GuestPool<AgentSession> | undefined;
  let caps: Capabilities | undefined;
  let virtualTime = false;
  let logCount = 0;
  let consoleCount = 0;
  // What each guest ran last, and how far its console had been read then. Trouble printed after
  // that, before the guest's next case, belongs to that case: the kernel cleans up a case's
  // network namespace asynchronously, after the agent has replied.
  const lastCase = new WeakMap<Guest<AgentSession>, { scenario: Scenario; mark: number }>();
  const covered = new WeakSet<Guest<AgentSession>>();
  const lateTrouble = (g: Guest<AgentSession>): KernelFinding | undefined => {
    const last = lastCase.get(g);
    const f = last && scanConsole(g.console.since(last.mark));
    if (!last || f?.kind !== 'kernel') return undefined;
    lastCase.delete(g);
    return new KernelFinding(`after its case had finished, guest ${g.id}'s console printed: ${f.line}`, g.consoleText(), last.scenario);
  };

  const keepLog = async (err: unknown, g: Guest<AgentSession>): Promise<void> => {
    if (!opts.logDir) return;
    const file = path.join(opts.logDir, `qemu-${kernelFileName(opts.kernel)}-guest${g.id}-${++logCount}.log`);
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
      image = opts.image ?? (await buildImage({ kernel: opts.kernel, patches: opts.patches, moduleDirs: opts.moduleDirs, coverage: !!opts.coverage }));
      if (opts.coverage) opts.coverage.notes(image.coverage ?? []);
      const accel = await chooseAccel(tools['qemu-system-x86_64']!, image.bzImagePath);
      const img = image;
      // Virtual time needs TCG: under KVM the guest clock is real time (long waits are real).
      const icount = accel === 'tcg' ? icountSetting() : null;
      virtualTime = icount !== null && !icount.sleep;
      const started = performance.now();
      pool = new GuestPool(opts.jobs, () =>
        Guest.boot({
          image: img,
          accel,
          connect: (s) => new AgentSession(s),
          bootTimeoutMs: opts.bootTimeoutMs ?? QEMU_TIMEOUTS.boot,
          ...(icount ? { icount } : {}),
          // Every guest's console goes to a file in logDir when there is one.
          logFile: opts.logDir ? path.join(opts.logDir, `console-${kernelFileName(opts.kernel)}-${process.pid}-${++consoleCount}.log`) : undefined,
        }),
      );
      const guests = await pool.start();
      const hello = guests[0]!.hello;
      log(`${guests.length} guest(s) of kernel ${opts.kernel} ready (${accel}) in ${ms(performance.now() - started)}`);
      if (hello.release !== img.release)
        throw new InfraError('IPVS_CONFORM_WRONG_KERNEL', `guest runs ${hello.release}, expected ${img.release} for kernel ${opts.kernel}`);
      caps = { release: hello.release, schedulers: await withBuiltins(opts.kernel, hello.schedulers, (sc) => backend.run(sc)) };
      return caps;
    },

    async run(scenario: Scenario): Promise<Observation> {
      if (!pool || !image) throw new InfraError('IPVS_CONFORM_NOT_STARTED', 'the QEMU backend was not started: call start() first');
      const img = image;
      const timeoutMs = opts.caseTimeoutMs ?? caseTimeoutMs(scenario, virtualTime);
      return pool.withGuest(async (g) => {
        const late = lateTrouble(g);
        if (late) {
          // This case does not run on a tainted kernel: the throw replaces the guest.
          await keepLog(late, g).catch(() => undefined);
          throw late;
        }
        // A guest's first take holds its start-up (ip_vs's init): not its first case's.
        if (opts.coverage && !covered.has(g)) {
          opts.coverage.take(COVERAGE_START, await g.session.cov({ timeoutMs: 10_000 }));
          covered.add(g);
        }
        const mark = g.console.mark();
        try {
          const result = await g.guard(g.session.runCase(scenario, { timeoutMs }), timeoutMs + 1000, 'the case result', false, mark);
          // A WARNING printed during the case does not stop the agent: look once more.
          const end = g.console.mark();
          const f = scanConsole(g.console.since(mark));
          if (f) throw g.findingOr(mark, new InfraError('IPVS_CONFORM_GUEST', f.line));
          // On the same guest, before its next case: what this case ran.
          if (opts.coverage) opts.coverage.take(scenario, await g.session.cov({ timeoutMs: 10_000 }));
          lastCase.set(g, { scenario, mark: end });
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
            ...(result.listingsJ ? { listingsJ: result.listingsJ } : {}),
            ...(g.hello.hz ? { hz: g.hello.hz } : {}),
          };
        } catch (err) {
          if (!(err instanceof UsageError)) await keepLog(err, g).catch(() => undefined);
          throw err;
        }
      });
    },

    async drain(): Promise<KernelFinding[]> {
      if (!pool) return [];
      // A round trip to each agent, then a moment for work the kernel queued to print.
      const guests = pool.guests();
      await Promise.all(guests.map((g) => g.session.ping(2000).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, QEMU_TIMEOUTS.drainSettle));
      const found: KernelFinding[] = [];
      for (const g of guests) {
        const late = lateTrouble(g);
        if (!late) continue;
        await keepLog(late, g).catch(() => undefined);
        found.push(late);
        pool.retire(g); // no later case runs on that kernel
      }
      return found;
    },

    async finishCoverage(): Promise<void> {
      if (!pool || !opts.coverage) return;
      for (const g of pool.guests()) {
        try {
          opts.coverage.take(COVERAGE_END, await g.session.cov({ unload: true, timeoutMs: 30_000 }));
        } catch (e) {
          // The report then lacks this guest's exit code only; the cases' coverage is all there.
          log(`guest ${g.id}: no coverage of the modules' unloading: ${(e as Error).message}`);
        }
      }
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
