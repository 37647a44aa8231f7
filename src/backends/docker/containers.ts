// Containers of one run: the workers (the guest agent on stdin/stdout) and the short probe. Every
// container is labelled with its run and its owner (host and pid), has AutoRemove set, is removed
// explicitly on close, and is swept by a later run if its owner died without removing it.
import os from 'node:os';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';

export const RUN_LABEL = 'ipvs-conform.run';
export const OWNER_LABEL = 'ipvs-conform.owner';
export const ROLE_LABEL = 'ipvs-conform.role';

/**
 * Capabilities of a worker, measured on dockerd 20.10 (kernel 6.18) with `--cap-drop ALL` and
 * adding one at a time (see test/backends/docker/containers.slow.test.ts, which keeps measuring):
 * - NET_ADMIN: IPVS's generic-netlink commands are GENL_ADMIN_PERM (ip_vs_genl_ops in
 *   net/netfilter/ipvs/ip_vs_ctl.c), and the agent creates veths, addresses and routes.
 * - SYS_ADMIN: the agent gives every case fresh network namespaces, unshare(CLONE_NEWNET), which
 *   the kernel allows only with CAP_SYS_ADMIN (kernel/nsproxy.c unshare_nsproxy_namespaces);
 *   with NET_ADMIN alone it fails with EPERM. The entrypoint also needs it for its one bind mount
 *   of /proc/sys/net (vm/docker/entrypoint.sh). Docker's default seccomp profile allows unshare,
 *   setns and mount only to holders of CAP_SYS_ADMIN, so the profile stays on.
 * - NET_BIND_SERVICE: the agent's real servers listen on the scenario's ports (80, ...) and its
 *   clients bind chosen ports, in fresh namespaces where ip_unprivileged_port_start is 1024 (Docker
 *   sets it to 0 only in the container's own namespace); inet_bind() answers EACCES below it
 *   without this capability (inet_port_requires_bind_service, net/ipv4/af_inet.c).
 * Never --privileged (it also fails on these machines): no devices, no host namespaces, no
 * writable /proc/sys/kernel; the container's own network namespace (NetworkMode none) holds its
 * own IPVS state, so the host's IPVS tables are never touched.
 */
export const WORKER_CAPS = ['NET_ADMIN', 'SYS_ADMIN', 'NET_BIND_SERVICE'];

/** The taint watch (taint.ts): the kernel's taint mask every 50 ms, read with no capabilities. */
export const WATCH_SCRIPT = 'while :; do cat /proc/sys/kernel/tainted; sleep 0.05; done';

export function ownerLabel(): string {
  return `${os.hostname()} ${process.pid}`;
}

/**
 * Security options for the daemon's host. Docker's AppArmor profile docker-default has `deny mount`
 * and denies writes under /proc/sys/net, which the entrypoint and the agent need; where the daemon
 * runs AppArmor (Ubuntu CI runners) the worker runs unconfined by AppArmor, capabilities and
 * seccomp still in force. Derived from the profile's text: these machines have no AppArmor to
 * measure it on. no-new-privileges: nothing in the image needs setuid.
 */
export function securityOpts(info: { SecurityOptions?: string[] | null }): string[] {
  const apparmor = (info.SecurityOptions ?? []).some((o) => o.includes('name=apparmor'));
  return ['no-new-privileges:true', ...(apparmor ? ['apparmor=unconfined'] : [])];
}

export interface SpecInput {
  image: string;
  runId: string;
  /** worker: the agent; probe: reads what the kernel has; watch: samples the taint mask (taint.ts). */
  role: 'worker' | 'probe' | 'watch';
  security: string[];
}

/** The create request of a container. Pure, so the choices are unit-tested without a daemon. */
export function containerSpec(s: SpecInput): Docker.ContainerCreateOptions {
  const worker = s.role === 'worker';
  return {
    Image: s.image,
    Entrypoint: worker ? ['/bin/sh', '/entrypoint.sh'] : s.role === 'probe' ? ['/bin/sh', '/probe.sh'] : ['/bin/sh', '-c', WATCH_SCRIPT],
    Cmd: [],
    Env: ['PATH=/sbin:/bin'],
    Labels: { [RUN_LABEL]: s.runId, [OWNER_LABEL]: ownerLabel(), [ROLE_LABEL]: s.role },
    // The protocol runs over the attached stdin/stdout. StdinOnce: when our attach connection ends
    // (this process exits, even by SIGKILL) stdin reaches EOF, the agent exits and AutoRemove
    // deletes the container.
    AttachStdin: worker,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: worker,
    StdinOnce: worker,
    Tty: false,
    HostConfig: {
      NetworkMode: 'none',
      AutoRemove: true,
      CapDrop: ['ALL'],
      CapAdd: worker ? WORKER_CAPS : [],
      SecurityOpt: s.security,
      Privileged: false,
      PidsLimit: 512,
    },
  };
}

export interface Worker {
  id: string;
  /** The agent's channel: writes go to its stdin, reads come from its stdout. */
  channel: Duplex;
  /** The last few KiB the agent (or the entrypoint) wrote on stderr. */
  stderr(): string;
  remove(): Promise<void>;
}

/** Creates, attaches and starts one worker container. */
export async function startWorker(docker: Docker, s: Omit<SpecInput, 'role'>): Promise<Worker> {
  const container = await docker.createContainer(containerSpec({ ...s, role: 'worker' }));
  const remove = () => removeContainer(docker, container.id);
  try {
    // Attach before start so not a byte of the agent's ready message is lost.
    const raw = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    const stdout = new PassThrough();
    const err = tail(8192);
    docker.modem.demuxStream(raw, stdout, err.sink);
    raw.on('end', () => stdout.end());
    raw.on('error', (e) => stdout.destroy(e));
    await container.start();
    const channel = Duplex.from({ readable: stdout, writable: raw });
    return { id: container.id, channel, stderr: err.text, remove };
  } catch (cause) {
    await remove();
    throw dockerError(`starting a worker container from ${s.image}`, cause);
  }
}

/** Runs the probe container to its end and returns its stdout. */
export async function runProbe(docker: Docker, s: Omit<SpecInput, 'role'>, timeoutMs = 30_000): Promise<string> {
  const r = await runToEnd(docker, containerSpec({ ...s, role: 'probe' }), timeoutMs).catch((cause: unknown) => {
    throw dockerError('probing the Docker host', cause);
  });
  if (r.code !== 0) throw new InfraError('IPVS_CONFORM_DOCKER_PROBE', `the probe container exited with ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Creates a container, runs it to its end and returns its exit code and output; it is removed
 * whatever happens. `stdin`, when given, is written to the container's stdin, then closed.
 */
export async function runToEnd(
  docker: Docker,
  spec: Docker.ContainerCreateOptions,
  timeoutMs = 30_000,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const withStdin = stdin !== undefined;
  const container = await docker.createContainer({ ...spec, AttachStdin: withStdin, OpenStdin: withStdin, StdinOnce: withStdin });
  try {
    const raw = (await container.attach({ stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: withStdin })) as unknown as Duplex;
    const out = tail(65536);
    const err = tail(8192);
    docker.modem.demuxStream(raw, out.sink, err.sink);
    const ended = new Promise<void>((resolve) => raw.on('end', resolve).on('close', resolve));
    const exited = waitExit(container);
    await container.start();
    if (withStdin) raw.end(stdin);
    const code = await withTimeout(exited, timeoutMs, `container ${container.id.slice(0, 12)} did not finish`);
    await withTimeout(ended, 5_000, `the output of container ${container.id.slice(0, 12)} did not end`);
    return { code, stdout: out.text(), stderr: err.text() };
  } finally {
    await removeContainer(docker, container.id);
  }
}

/**
 * Removes a container whatever its state and returns once the daemon no longer lists it. Gone
 * already, or being removed by AutoRemove (409), is fine: then it waits for that removal.
 */
export async function removeContainer(docker: Docker, id: string, timeoutMs = 20_000): Promise<void> {
  const c = docker.getContainer(id);
  try {
    await c.remove({ force: true });
    return;
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    if (code === 404) return;
    if (code !== 409) throw dockerError(`removing container ${id.slice(0, 12)}`, err);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await c.inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      throw dockerError(`inspecting container ${id.slice(0, 12)}`, err);
    }
    if (Date.now() > deadline)
      throw new InfraError('IPVS_CONFORM_DOCKER_API', `container ${id.slice(0, 12)} was still being removed after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Containers of this harness: of one run, or every one whose owner process on this host is dead. */
export async function listContainers(docker: Docker, runId?: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL] } });
}

/**
 * Removes leftovers: every container of `runId` when given, else those whose owner (host and pid
 * in the owner label) is a dead process on this host. A live run's containers are never touched.
 */
export async function sweep(docker: Docker, opts: { runId?: string } = {}): Promise<string[]> {
  const gone: string[] = [];
  for (const c of await listContainers(docker, opts.runId)) {
    if (!opts.runId && !ownerIsDead(c.Labels[OWNER_LABEL])) continue;
    await removeContainer(docker, c.Id);
    gone.push(c.Id);
  }
  return gone;
}

export function ownerIsDead(owner: string | undefined, host = os.hostname()): boolean {
  const m = /^(\S+) (\d+)$/.exec(owner ?? '');
  if (!m || m[1] !== host) return false; // another machine's run, or not ours to judge
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function waitExit(container: Docker.Container): Promise<number> {
  // next-exit: registered before start, so a container that exits at once is still seen.
  return container.wait({ condition: 'next-exit' }).then(
    (r: { StatusCode?: number }) => r.StatusCode ?? -1,
    () => -1,
  );
}

function tail(max: number): { sink: Writable; text: () => string } {
  let buf = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf = (buf + chunk.toString('utf8')).slice(-max);
      cb();
    },
  });
  return { sink, text: () => buf };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InfraError('IPVS_CONFORM_DOCKER_TIMEOUT', `${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function dockerError(what: string, cause: unknown): InfraError {
  if (cause instanceof InfraError) return cause;
  return new InfraError('IPVS_CONFORM_DOCKER_API', `${what} failed: ${(cause as Error).message}`, { cause });
}
