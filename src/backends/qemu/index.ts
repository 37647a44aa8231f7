// The QEMU backend: N guests of one pinned kernel (this folder), each running the static agent;
// a Scenario runs in one guest and comes back as an Observation. It never judges the result.
// A hung or broken guest is killed and replaced, and its case fails with InfraError (or
// KernelFinding when the console shows the kernel's trouble): never a pass.
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentSession } from '../../agent/session.js';
import type { Backend, BackendOptions, Capabilities } from '../../backend.js';
import { InfraError, KernelFinding, UsageError } from '../../errors.js';
import { ALL_SCHEDULERS } from '../../generate/schedulers.js';
import type { Observation } from '../../observation.js';
import type { Scenario } from '../../scenario.js';
import { readSchedulerProbe, schedulerProbeScenario } from '../docker/probe.js';
import { keepConsole, LateTrouble, runOnGuest, type AgentGuest } from './guest-case.js';
import { Guest } from './guest.js';
import { buildImage, type Image } from './image.js';
import { intactImage } from './image-seal.js';
import { kernelFileName, kernelSpec } from './kernels.js';
import { chooseAccel } from './kvm.js';
import { caseTimeoutMs, icountSetting, QEMU_TIMEOUTS } from './limits.js';
import { log, ms } from './log.js';
import { GuestPool } from './pool.js';
import { sweepOrphans } from './reaper.js';
import { ensureTools, TOOLS } from './tools.js';

export interface QemuBackendExtras {
  /** Boot timeout per guest (default QEMU_TIMEOUTS.boot; TCG on a busy 2-core host needs room). */
  bootTimeoutMs?: number;
  /** Overrides the per-case time limit (tests of hung guests). */
  caseTimeoutMs?: number;
  /** Boot this image instead of building the kernel's (a test's image with a different /init). */
  image?: Image;
  /** Makes each guest's agent session on its channel (a fault test wraps the channel to cut it). */
  connect?: (stream: Duplex) => AgentSession;
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

/** What the coverage takes of a guest's start-up and of the modules' unloading belong to: no case. */
const COVERAGE_START: Scenario = { version: 1, events: [] };
const COVERAGE_END: Scenario = { version: 1, events: [] };

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

/** The backend between calls: what start() built and booted, and what each guest ran. */
interface QemuState {
  readonly opts: BackendOptions & QemuBackendExtras;
  image?: Image;
  pool?: GuestPool<AgentSession>;
  caps?: Capabilities;
  virtualTime: boolean;
  consoleCount: number;
  logCount: number;
  readonly late: LateTrouble;
  /** Guests whose start-up coverage has been taken. */
  readonly covered: WeakSet<AgentGuest>;
}

const keepLog = (st: QemuState, err: unknown, g: AgentGuest): Promise<void> =>
  keepConsole(st.opts, err, g, ++st.logCount).catch(() => undefined);

/** Builds the image (or takes the given one) and boots the pool; the first guest's greeting. */
async function startGuests(st: QemuState): Promise<AgentGuest['hello']> {
  const { opts } = st;
  const killed = await sweepOrphans();
  if (killed) log(`killed ${killed} QEMU process(es) left behind by an earlier run`);
  const tools = await ensureTools([TOOLS.qemu]);
  const img = opts.image ?? (await intactImage(() => buildImage({ kernel: opts.kernel, patches: opts.patches, moduleDirs: opts.moduleDirs, coverage: !!opts.coverage })));
  st.image = img;
  if (opts.coverage) opts.coverage.notes(img.coverage ?? []);
  const accel = await chooseAccel(tools['qemu-system-x86_64']!, img.bzImagePath);
  // Virtual time needs TCG: under KVM the guest clock is real time (long waits are real).
  const icount = accel === 'tcg' ? icountSetting() : null;
  st.virtualTime = icount !== null && !icount.sleep;
  const started = performance.now();
  st.pool = new GuestPool(opts.jobs, () =>
    Guest.boot({
      image: img,
      accel,
      connect: opts.connect ?? ((s) => new AgentSession(s)),
      bootTimeoutMs: opts.bootTimeoutMs ?? QEMU_TIMEOUTS.boot,
      ...(icount ? { icount } : {}),
      // Every guest's console goes to a file in logDir when there is one.
      logFile: opts.logDir ? path.join(opts.logDir, `console-${kernelFileName(opts.kernel)}-${process.pid}-${++st.consoleCount}.log`) : undefined,
    }),
  );
  const guests = await st.pool.start();
  log(`${guests.length} guest(s) of kernel ${opts.kernel} ready (${accel}) in ${ms(performance.now() - started)}`);
  return guests[0]!.hello;
}

async function start(st: QemuState, backend: Backend): Promise<Capabilities> {
  if (st.caps) return st.caps;
  const hello = await startGuests(st);
  const img = st.image!;
  if (hello.release !== img.release)
    throw new InfraError('IPVS_CONFORM_WRONG_KERNEL', `guest runs ${hello.release}, expected ${img.release} for kernel ${st.opts.kernel}`);
  const schedulers = await withBuiltins(st.opts.kernel, hello.schedulers, (sc) => backend.run(sc));
  // What the kernel lacks (twos before 6.2, hprio where no headers could build it) is reported, not tested.
  const unavailable = ALL_SCHEDULERS.filter((s) => !schedulers.includes(s));
  st.caps = { release: hello.release, schedulers, ...(unavailable.length ? { unavailable } : {}) };
  return st.caps;
}

async function runCase(st: QemuState, scenario: Scenario): Promise<Observation> {
  const { pool, image, opts } = st;
  if (!pool || !image) throw new InfraError('IPVS_CONFORM_NOT_STARTED', 'the QEMU backend was not started: call start() first');
  const timeoutMs = opts.caseTimeoutMs ?? caseTimeoutMs(scenario, st.virtualTime);
  return pool.withGuest(async (g) => {
    const late = st.late.take(g);
    if (late) {
      // This case does not run on a tainted kernel: the throw replaces the guest.
      await keepLog(st, late, g);
      throw late;
    }
    // A guest's first take holds its start-up (ip_vs's init): not its first case's.
    if (opts.coverage && !st.covered.has(g)) {
      opts.coverage.take(COVERAGE_START, await g.session.cov({ timeoutMs: 10_000 }));
      st.covered.add(g);
    }
    try {
      const obs = await runOnGuest({ opts, image, late: st.late, timeoutMs }, g, scenario);
      return st.caps ? { ...obs, schedulers: st.caps.schedulers } : obs;
    } catch (err) {
      if (!(err instanceof UsageError)) await keepLog(st, err, g);
      throw err;
    }
  });
}

async function drain(st: QemuState): Promise<KernelFinding[]> {
  const { pool } = st;
  if (!pool) return [];
  // A round trip to each agent, then a moment for work the kernel queued to print.
  const guests = pool.guests();
  await Promise.all(guests.map((g) => g.session.ping(2000).catch(() => undefined)));
  await sleep(QEMU_TIMEOUTS.drainSettle);
  const found: KernelFinding[] = [];
  for (const g of guests) {
    const late = st.late.take(g);
    if (!late) continue;
    await keepLog(st, late, g);
    found.push(late);
    pool.retire(g); // no later case runs on that kernel
  }
  return found;
}

async function finishCoverage(st: QemuState): Promise<void> {
  const { pool, opts } = st;
  if (!pool || !opts.coverage) return;
  for (const g of pool.guests()) {
    try {
      opts.coverage.take(COVERAGE_END, await g.session.cov({ unload: true, timeoutMs: 30_000 }));
    } catch (e) {
      // The report then lacks this guest's exit code only; the cases' coverage is all there.
      log(`guest ${g.id}: no coverage of the modules' unloading: ${(e as Error).message}`);
    }
  }
}

export function createQemuBackend(opts: BackendOptions & QemuBackendExtras): QemuBackend {
  const st: QemuState = { opts, virtualTime: false, consoleCount: 0, logCount: 0, late: new LateTrouble(), covered: new WeakSet() };
  const backend: QemuBackend = {
    name: 'qemu',
    get image() {
      return st.image;
    },
    get replaced() {
      return st.pool?.replaced ?? 0;
    },
    start: () => start(st, backend),
    run: (scenario) => runCase(st, scenario),
    drain: () => drain(st),
    finishCoverage: () => finishCoverage(st),
    withGuest<T>(fn: (g: AgentGuest) => Promise<T>): Promise<T> {
      if (!st.pool) return Promise.reject(new InfraError('IPVS_CONFORM_NOT_STARTED', 'the QEMU backend was not started'));
      return st.pool.withGuest(fn);
    },
    async close(): Promise<void> {
      await st.pool?.close();
    },
  };
  return backend;
}
