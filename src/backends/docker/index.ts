// The Docker backend: the same cases, run against the kernel of a Docker host (Docker Desktop's
// Linux VM, a CI runner's own kernel). One container per worker, each in its own network namespace
// (NetworkMode none) running the guest agent on stdin/stdout; the agent gives every case fresh
// namespaces of its own, so the host's network and IPVS tables are never touched.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { AgentSession } from '../../agent/session.js';
import type { Backend, BackendOptions, Capabilities } from '../../backend.js';
import { ConformError, InfraError, UsageError } from '../../errors.js';
import { ALL_SCHEDULERS } from '../../generate/schedulers.js';
import type { Observation } from '../../observation.js';
import type { Scenario } from '../../scenario.js';
import { loadKernels } from '../../vm/kernels.js';
import { connectDocker, describeHost } from './connect.js';
import { runProbe, securityOpts, startWorker, sweep, type Worker } from './containers.js';
import { ensureImage } from './image.js';
import { log } from './log.js';
import { mapRelease, noIpvsError, parseProbe, readSchedulerProbe, schedulerProbeScenario, type KernelMapping } from './probe.js';
import { track, untrack } from './signals.js';

export interface DockerBackendOptions extends BackendOptions {
  /** A DOCKER_HOST-style address; default: DOCKER_HOST, else the local socket. */
  dockerHost?: string;
}

const READY_TIMEOUT_MS = 30_000;

export function createDockerBackend(opts: DockerBackendOptions): Backend {
  return new DockerBackend(opts);
}

interface Slot {
  worker: Worker;
  session: AgentSession;
}

/** A per-case limit: room for setup and listings, plus the case's own waits and connects. */
export function caseTimeoutMs(scenario: Scenario): number {
  let ms = 20_000;
  for (const e of scenario.events) ms += e.op === 'wait' ? 2 * e.ms : e.op === 'connect' ? 2_000 : 200;
  return ms;
}

class DockerBackend implements Backend {
  readonly name = 'docker';
  /** Labels every container of this run: `ipvs-conform.run=<runId>`. */
  readonly runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private docker: Docker | undefined;
  private image = '';
  private security: string[] = [];
  private mapping: KernelMapping | undefined;
  private release = '';
  private readonly slots = new Set<Slot>();
  private idle: Slot[] = [];
  private waiters: Array<{ resolve: (s: Slot) => void; reject: (e: Error) => void }> = [];
  private closing: Promise<void> | undefined;
  /** Workers being started to replace failed ones. */
  private replacing = 0;

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
    this.security = securityOpts(await docker.info());
    this.image = await ensureImage(docker);

    // Capabilities first: a no-capability container reads what the kernel has before any worker starts.
    const probe = parseProbe(await runProbe(docker, this.spec()));
    if (!probe.ipvs) throw noIpvsError(probe, describeHost(this.opts.dockerHost));
    this.release = probe.release;
    this.mapping = mapRelease(probe.release, loadKernels());
    if (this.opts.kernel && this.opts.kernel !== this.mapping.name)
      log(`--kernel ${this.opts.kernel} does not apply: the Docker host runs its own kernel`);
    log(`host kernel ${probe.release} (${probe.ipvs}); the model follows ${this.mapping.name}: ${this.mapping.rule}`);

    const slots = await Promise.all(Array.from({ length: this.opts.jobs }, () => this.addSlot()));
    const first = slots[0]!;
    const probeResult = await first.session.runCase(schedulerProbeScenario(ALL_SCHEDULERS), { timeoutMs: 60_000 });
    const { schedulers, unavailable } = readSchedulerProbe(ALL_SCHEDULERS, probeResult.steps);
    if (unavailable.length) log(`schedulers this host's kernel lacks (reported as unavailable): ${unavailable.join(' ')}`);
    for (const s of slots) this.release_(s);
    return { release: probe.release, schedulers, unavailable, kernel: this.mapping.name };
  }

  private spec() {
    return { image: this.image, runId: this.runId, security: this.security };
  }

  private async addSlot(): Promise<Slot> {
    if (this.closing) throw new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend is closed');
    const worker = await startWorker(this.docker!, this.spec());
    if (this.closing) {
      await worker.remove();
      throw new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend is closed');
    }
    const session = new AgentSession(worker.channel);
    const slot = { worker, session };
    this.slots.add(slot);
    try {
      await session.ready(READY_TIMEOUT_MS);
    } catch (cause) {
      await this.drop(slot);
      throw new InfraError(
        'IPVS_CONFORM_DOCKER_AGENT',
        `the agent in container ${worker.id.slice(0, 12)} did not say ready within ${READY_TIMEOUT_MS} ms: ${(cause as Error).message}`,
        { cause, log: worker.stderr() },
      );
    }
    return slot;
  }

  private async drop(slot: Slot): Promise<void> {
    this.slots.delete(slot);
    slot.session.close();
    await slot.worker.remove();
  }

  private acquire(): Promise<Slot> {
    const s = this.idle.shift();
    if (s) return Promise.resolve(s);
    if (this.slots.size === 0 && this.replacing === 0) return Promise.reject(noWorkers());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release_(s: Slot): void {
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }

  /** No worker is left to serve the waiting cases: fail them rather than wait forever. */
  private failWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  async run(scenario: Scenario): Promise<Observation> {
    if (!this.mapping) throw new InfraError('IPVS_CONFORM_DOCKER_NOT_STARTED', 'run() before start(): call start() first');
    if (this.closing) throw new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend is closed');
    const slot = await this.acquire();
    try {
      const result = await slot.session.runCase(scenario, { timeoutMs: caseTimeoutMs(scenario) });
      this.release_(slot);
      return {
        backend: 'docker',
        kernel: { name: this.mapping.name, release: this.release },
        steps: result.steps,
        listings: result.listings,
      };
    } catch (err) {
      // A worker that failed a case (timeout, channel lost, container gone) is replaced, never reused.
      const stderr = slot.worker.stderr();
      await this.drop(slot).catch(() => undefined);
      if (!this.closing) {
        this.replacing++;
        this.addSlot()
          .then(
            (s) => this.release_(s),
            (e: unknown) => {
              log(`could not replace a worker: ${(e as Error).message}`);
              if (this.slots.size === 0 && this.replacing === 1) this.failWaiters(noWorkers(e));
            },
          )
          .finally(() => this.replacing--);
      }
      if (err instanceof ConformError) throw err;
      throw new InfraError('IPVS_CONFORM_DOCKER_AGENT', `case failed in container ${slot.worker.id.slice(0, 12)}: ${(err as Error).message}`, {
        cause: err,
        log: stderr,
      });
    }
  }

  close(): Promise<void> {
    this.closing ??= this.closeInner();
    return this.closing;
  }

  private async closeInner(): Promise<void> {
    try {
      const slots = [...this.slots];
      this.slots.clear();
      this.idle = [];
      this.failWaiters(new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend was closed while the case waited for a worker'));
      for (const s of slots) s.session.close();
      if (this.docker) {
        await Promise.allSettled(slots.map((s) => s.worker.remove()));
        // Whatever is still labelled with this run (a worker being created as we closed, a probe).
        await sweep(this.docker, { runId: this.runId });
      }
    } finally {
      untrack(this);
    }
  }
}

function noWorkers(cause?: unknown): InfraError {
  return new InfraError('IPVS_CONFORM_DOCKER_AGENT', 'no Docker worker is left: every container failed and none could be replaced', { cause });
}
