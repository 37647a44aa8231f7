// The Docker backend: the same cases, run against the kernel of a Docker host (Docker Desktop's
// Linux VM, a CI runner's own kernel). One container per worker, each in its own network namespace
// (NetworkMode none) running the guest agent on stdin/stdout; the agent gives every case fresh
// namespaces of its own, so the host's network and IPVS tables are never touched.
// What it cannot do: patch the host's kernel or load modules into it (--patch/--module need QEMU),
// and see the host's console (an oops on a Docker host shows as a lost worker, an InfraError).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { AgentSession } from '../../agent/session.js';
import type { Backend, BackendOptions, Capabilities } from '../../backend.js';
import { scenarioScript } from '../../agent/script.js';
import { InfraError, KernelFinding, NotRunError, UsageError } from '../../errors.js';
import { ALL_SCHEDULERS } from '../../generate/schedulers.js';
import type { Observation } from '../../observation.js';
import type { Scenario } from '../../scenario.js';
import { loadKernels } from '../qemu/kernels.js';
import { connectDocker, describeHost } from './connect.js';
import { runProbe, securityOpts, startWorker, sweep } from './containers.js';
import { ensureImage } from './image.js';
import { log } from './log.js';
import { WorkerPool, type Slot } from './pool.js';
import {
  mapRelease,
  noIpvsError,
  noSchedulersError,
  parseProbe,
  readSchedulerProbe,
  schedulerProbeScenario,
  schedulersToTry,
  fwmarkLack,
  type KernelMapping,
} from './probe.js';
import { track, untrack } from './signals.js';
import { blindSpots, taintFindings, TaintWatch } from './taint.js';

export interface DockerBackendOptions extends BackendOptions {
  /** A DOCKER_HOST-style address; default: DOCKER_HOST, else the local socket. */
  dockerHost?: string;
}

const READY_TIMEOUT_MS = 30_000;

export function createDockerBackend(opts: DockerBackendOptions): Backend & { drain(): Promise<KernelFinding[]> } {
  return new DockerBackend(opts);
}

/**
 * A Docker host has no virtual time: a case's waits are real. Up to this much in all they are
 * waited out (IPVS_CONFORM_DOCKER_MAX_WAIT ms overrides it); a case that waits longer is not run.
 */
export const DOCKER_MAX_REAL_WAIT_MS = 60_000;

export function maxRealWaitMs(): number {
  const v = process.env.IPVS_CONFORM_DOCKER_MAX_WAIT;
  if (v === undefined || v === '') return DOCKER_MAX_REAL_WAIT_MS;
  if (!/^\d+$/.test(v)) throw new UsageError('IPVS_CONFORM_BAD_MAX_WAIT', `IPVS_CONFORM_DOCKER_MAX_WAIT=${v}: expected a number of milliseconds`);
  return Number(v);
}

/** A per-case limit: room for setup and listings, plus the case's own waits and connects. */
export function caseTimeoutMs(scenario: Scenario): number {
  let ms = 20_000;
  for (const e of scenario.events) ms += e.op === 'wait' ? 2 * e.ms : e.op === 'connect' ? 2_000 : 200;
  return ms;
}

/** Starts one worker container and waits for its agent's hello; a worker that never says ready is removed. */
export async function startSlot(docker: Docker, spec: { image: string; runId: string; security: string[] }): Promise<Slot> {
  const worker = await startWorker(docker, spec);
  const session = new AgentSession(worker.channel);
  try {
    await session.ready(READY_TIMEOUT_MS);
  } catch (cause) {
    session.close();
    await worker.remove();
    throw new InfraError(
      'IPVS_CONFORM_DOCKER_AGENT',
      `the agent in container ${worker.id.slice(0, 12)} did not say ready within ${READY_TIMEOUT_MS} ms: ${(cause as Error).message}`,
      { cause, log: worker.stderr() },
    );
  }
  return { worker, session };
}

class DockerBackend implements Backend {
  readonly name = 'docker';
  /** Labels every container of this run: `ipvs-conform.run=<runId>`. */
  readonly runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private docker: Docker | undefined;
  private pool: WorkerPool | undefined;
  private mapping: KernelMapping | undefined;
  private release = '';
  private schedulers: string[] = [];
  private lacks: Capabilities['lacks'] = {};
  private watch: TaintWatch | undefined;
  /** Every taint bit seen so far (base at start, then each case's). */
  private taintSeen = 0;
  /** The case that finished last, which taint seen before the next one starts is pinned to. */
  private lastScenario: Scenario | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: DockerBackendOptions) {
    if (opts.patches?.length || opts.moduleDirs?.length)
      throw new UsageError(
        'IPVS_CONFORM_DOCKER_NO_PATCH',
        'Expected no --patch or --module with --backend docker: the Docker host runs its own kernel, which the harness cannot patch or load modules into. Fix: use --backend qemu',
      );
    if (!Number.isInteger(opts.jobs) || opts.jobs < 1)
      throw new UsageError('IPVS_CONFORM_BAD_JOBS', `Expected \`jobs\` to be a positive integer, got \`${opts.jobs}\``);
  }

  async start(): Promise<Capabilities> {
    track(this);
    try {
      return await this.startInner();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async startInner(): Promise<Capabilities> {
    const docker = (this.docker = await connectDocker(this.opts.dockerHost));
    const swept = await sweep(docker);
    if (swept.length) log(`removed ${swept.length} container(s) left by runs whose process is gone`);
    const spec = { image: await ensureImage(docker), runId: this.runId, security: securityOpts(await docker.info()) };

    // Capabilities first: a container with no capabilities at all reads what the kernel has.
    const probe = parseProbe(await runProbe(docker, spec));
    if (!probe.ipvs) throw noIpvsError(probe, describeHost(this.opts.dockerHost));
    this.release = probe.release;
    const mapping = mapRelease(probe, loadKernels(), this.opts.semantics);
    if (this.opts.kernel && this.opts.kernel !== mapping.name)
      log(`cases run on the Docker host's own kernel (${mapping.name}), not on the pinned ${this.opts.kernel} (--kernel names a pinned kernel for QEMU)`);
    log(`host kernel ${probe.release} (${probe.ipvs}); model ${mapping.rule}`);

    const { tryThese, notLoaded } = schedulersToTry(probe, ALL_SCHEDULERS);
    if (tryThese.length === 0) throw noSchedulersError(probe);

    if (this.closing) throw new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend was closed while starting');
    const watch = await TaintWatch.start(docker, spec);
    if (this.closing) {
      await watch.close(); // close() ran while the watch was starting: it could not see it
      throw new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend was closed while starting');
    }
    // From here to the pool's creation nothing awaits, so a close() from now on sees both.
    this.watch = watch;
    const blind = blindSpots(this.watch.current);
    if (blind.length)
      log(`the host kernel is already tainted (${this.watch.current}): a new ${blind.join(' or ')} during this run cannot be seen`);
    this.pool = new WorkerPool(() => startSlot(docker, spec));
    await this.pool.fill(this.opts.jobs);
    const result = await this.pool.use((s) => s.session.runCase(schedulerProbeScenario(tryThese), { timeoutMs: 60_000 }));
    const found = readSchedulerProbe(tryThese, result.steps);
    const schedulers = found.schedulers;
    const unavailable = ALL_SCHEDULERS.filter((n) => notLoaded.includes(n) || found.unavailable.includes(n));
    if (schedulers.length === 0) throw noSchedulersError(probe);
    if (unavailable.length) log(`schedulers this host's kernel lacks or has not loaded (reported as unavailable): ${unavailable.join(' ')}`);
    this.taintSeen = await this.watch.sampleAfter(performance.now());
    this.mapping = mapping;
    this.schedulers = schedulers;
    const fwmark = fwmarkLack(probe);
    if (fwmark) log(`fwmark cases cannot run here: ${fwmark}`);
    this.lacks = fwmark ? { fwmark } : {};
    return { release: probe.release, schedulers, unavailable, kernel: mapping.name, semantics: mapping.semantics, semanticsWhy: mapping.rule, ...(fwmark ? { lacks: { fwmark } } : {}) };
  }

  /** A case this host cannot run is not run: a usage error that says why and where it can run. */
  private refuseWhatItLacks(scenario: Scenario): void {
    const reason = this.lacks?.fwmark;
    const svc = reason && scenario.events.find((e) => e.op === 'svc-add' && /^fwm6?\//.test(e.svc));
    if (svc && svc.op === 'svc-add')
      throw new UsageError('IPVS_CONFORM_DOCKER_NO_FWMARK', `this case has a fwmark service (${svc.svc}) and this Docker host cannot run fwmark cases: ${reason}; or run it with --backend qemu`);
  }

  async run(scenario: Scenario): Promise<Observation> {
    const pool = this.pool;
    const mapping = this.mapping;
    if (!pool || !mapping) throw new InfraError('IPVS_CONFORM_DOCKER_NOT_STARTED', 'run() before start() succeeded: call start() first');
    scenarioScript(scenario); // a scenario the protocol cannot carry is a usage error: no worker is spent on it
    const waits = scenario.events.reduce((a, e) => a + (e.op === 'wait' ? e.ms : 0), 0);
    if (waits > maxRealWaitMs())
      throw new NotRunError(`not run on a Docker host: the case waits ${Math.round(waits / 1000)} s, which a host without virtual time must wait for real (limit ${maxRealWaitMs() / 1000} s, IPVS_CONFORM_DOCKER_MAX_WAIT)`);
    this.refuseWhatItLacks(scenario);
    return pool.use(async (slot) => {
      // A taint set after the last case had replied (its namespace's clean-up runs later) is that case's.
      const late = this.lateTaint(this.watch!.current);
      if (late) throw late;
      try {
        const result = await slot.session.runCase(scenario, { timeoutMs: caseTimeoutMs(scenario) });
        await this.checkTaint(slot);
        this.lastScenario = scenario;
        return {
          backend: 'docker',
          kernel: { name: mapping.name, release: this.release },
          steps: result.steps,
          listings: result.listings,
          ...(result.listingsJ ? { listingsJ: result.listingsJ } : {}),
          ...(slot.session.helloSeen?.hz ? { hz: slot.session.helloSeen.hz } : {}),
          schedulers: this.schedulers,
        } satisfies Observation;
      } catch (err) {
        if (err instanceof KernelFinding) throw err;
        await this.checkTaint(slot); // a case that broke its worker may have oopsed the host
        throw new InfraError(
          err instanceof InfraError ? err.code : 'IPVS_CONFORM_DOCKER_AGENT',
          `case failed in container ${slot.worker.id.slice(0, 12)} (replaced): ${(err as Error).message}`,
          { cause: err, log: slot.worker.stderr() },
        );
      }
    });
  }

  /** Kernel trouble after the last case, as a KernelFinding pinned to that case (Backend.drain). */
  async drain(): Promise<KernelFinding[]> {
    if (!this.watch || !this.lastScenario) return [];
    await sleep(300); // let work the kernel queued run
    const late = this.lateTaint(await this.watch.sampleAfter(performance.now()));
    return late ? [late] : [];
  }

  /** A KernelFinding for a D or W taint bit set since the last case finished, or undefined. */
  private lateTaint(now: number): KernelFinding | undefined {
    if (!this.lastScenario) return undefined; // nothing has finished yet: the next case's check sees it
    return this.newTaint(now, 'after a case had finished', 'another case that finished about then', '', this.lastScenario);
  }

  /** Throws KernelFinding if the host kernel set a D or W taint bit since the last check. */
  private async checkTaint(slot: Slot): Promise<void> {
    const after = await this.watch!.sampleAfter(performance.now());
    const id = slot.worker.id.slice(0, 12);
    const found = this.newTaint(after, `during this case (container ${id})`, 'a case running beside it', `\nAgent stderr:\n${slot.worker.stderr()}`);
    if (found) throw found;
  }

  /**
   * The D or W taint bits set in `now` since the last check, as a KernelFinding (`when` they were
   * seen, `suspect` the other case that may have set them with several workers), or undefined.
   * Either way `now`'s bits count as seen from here on.
   */
  private newTaint(now: number, when: string, suspect: string, log: string, after?: Scenario): KernelFinding | undefined {
    const before = this.taintSeen;
    const findings = taintFindings(before, now);
    this.taintSeen |= now;
    if (!findings.length) return undefined;
    const others = this.opts.jobs > 1 ? ` With ${this.opts.jobs} workers, ${suspect} may be the cause: replay with --jobs 1.` : '';
    return new KernelFinding(
      `the Docker host's kernel (${this.release}) reported ${findings.join(' and ')} ${when}.${others}`,
      `Taint mask went from ${before} to ${now} (/proc/sys/kernel/tainted).\n` +
        "A container cannot read the host's kernel log: run `dmesg` on the Docker host for the oops or WARNING text." +
        log,
      after,
    );
  }

  close(): Promise<void> {
    this.closing ??= this.closeInner();
    return this.closing;
  }

  private async closeInner(): Promise<void> {
    try {
      await this.pool?.close();
      await this.watch?.close();
      // Whatever is still labelled with this run (a worker being created as we closed, a probe).
      if (this.docker) await sweep(this.docker, { runId: this.runId });
    } finally {
      untrack(this);
    }
  }
}
