// The Docker backend against a real dockerd of its own (private socket, data and exec roots):
// image import, container lifecycle, cleanup after a crash or Ctrl-C, and the capability probe,
// which on these machines must report the missing IPVS clearly (the host kernel has none).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession } from '../../../src/agent/session.js';
import { createDockerBackend, startSlot } from '../../../src/backends/docker/index.js';
import { WorkerPool } from '../../../src/backends/docker/pool.js';
import { containerSpec, listContainers, OWNER_LABEL, runProbe, startWorker, sweep } from '../../../src/backends/docker/containers.js';
import type { PrivateDockerd } from './dockerd.js';
import { ensureImage, IMAGE_REPO, importTar, removeOldImages } from '../../../src/backends/docker/image.js';
import { parseProbe } from '../../../src/backends/docker/probe.js';
import { TaintWatch } from '../../../src/backends/docker/taint.js';
import { InfraError } from '../../../src/errors.js';
import { startDaemonWithImage } from './private-daemon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dockerd: PrivateDockerd, docker: Docker, image: string;
beforeAll(async () => void ({ dockerd, docker, image } = await startDaemonWithImage()));
afterAll(() => dockerd?.stop());

async function waitUntil(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** Starts child-worker.ts; resolves with the process and its worker's container id once ready. */
function startChild(runId: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'child-worker.ts'), image, runId], {
    env: { ...process.env, DOCKER_HOST: dockerd.host, IPVS_CONFORM_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /ready (\w+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`child exited before ready: ${err}`)));
  });
  return { child, ready, exited };
}

describe('image', { timeout: 120_000 }, () => {
  it('is imported once from the rootfs tar, tagged by its content hash, and reused', async () => {
    expect(image).toMatch(new RegExp(`^${IMAGE_REPO}:[0-9a-f]{16}$`));
    const first = await docker.getImage(image).inspect();
    expect(await ensureImage(docker)).toBe(image);
    expect((await docker.getImage(image).inspect()).Id).toBe(first.Id);
    const ours = await docker.listImages({ filters: { reference: [IMAGE_REPO] } });
    expect(ours).toHaveLength(1);
  });

  it('an older worker image is removed, the current one kept', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-old-'));
    try {
      await fs.writeFile(path.join(dir, 'marker'), 'an older rootfs\n');
      await execa('tar', ['-C', dir, '-cf', path.join(dir, 'old.tar'), 'marker']);
      await importTar(docker, path.join(dir, 'old.tar'), `${IMAGE_REPO}:old`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect(await removeOldImages(docker, image)).toEqual([`${IMAGE_REPO}:old`]);
    const left = await docker.listImages({ filters: { reference: [IMAGE_REPO] } });
    expect(left.flatMap((i) => i.RepoTags ?? [])).toEqual([image]);
  });
});

describe('capability probe', { timeout: 120_000 }, () => {
  it("reads the host kernel's release and finds no IPVS on this machine", async () => {
    const p = parseProbe(await runProbe(docker, { image, runId: 'probe-test', security: [] }));
    expect(p.release).toBe(os.release());
    expect(p.ipvs).toBeNull();
  });

  it('start() fails with IPVS_CONFORM_NO_IPVS, names the fixes, and leaves no container', async () => {
    const backend = createDockerBackend({ kernel: '6.1', jobs: 2, dockerHost: dockerd.host });
    const err = await backend.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InfraError);
    expect((err as InfraError).code).toBe('IPVS_CONFORM_NO_IPVS');
    expect((err as InfraError).exitCode).toBe(3);
    expect((err as Error).message).toContain(os.release());
    expect((err as Error).message).toContain(dockerd.host);
    expect((err as Error).message).toMatch(/modprobe ip_vs.*--backend qemu/s);
    await backend.close();
    expect(await listContainers(docker)).toEqual([]);
  });

  it('a close() while start() is under way leaves no container either', async () => {
    for (const delay of [0, 300, 900]) {
      const backend = createDockerBackend({ kernel: '6.1', jobs: 2, dockerHost: dockerd.host });
      const started = backend.start().then(
        () => 'started',
        (e: InfraError) => e.code,
      );
      await sleep(delay);
      await backend.close();
      expect(['IPVS_CONFORM_NO_IPVS', 'IPVS_CONFORM_DOCKER_CLOSED', 'IPVS_CONFORM_DOCKER_API']).toContain(await started);
      expect(await listContainers(docker)).toEqual([]);
    }
  });

  it('honours DOCKER_HOST when no address is given', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = dockerd.host;
    try {
      const backend = createDockerBackend({ kernel: '6.1', jobs: 1 });
      await expect(backend.start()).rejects.toMatchObject({ code: 'IPVS_CONFORM_NO_IPVS', message: expect.stringContaining(dockerd.host) });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('an unreachable daemon is an infrastructure error naming the address', async () => {
    const backend = createDockerBackend({ kernel: '6.1', jobs: 1, dockerHost: 'unix:///nonexistent/ipvsc/docker.sock' });
    await expect(backend.start()).rejects.toMatchObject({
      code: 'IPVS_CONFORM_DOCKER_UNREACHABLE',
      message: expect.stringContaining('unix:///nonexistent/ipvsc/docker.sock'),
    });
  });

  it('patches cannot apply to a Docker host: a usage error', () => {
    expect(() => createDockerBackend({ kernel: '6.1', jobs: 1, patches: ['x.diff'] })).toThrow(/--backend qemu/);
  });
});

describe('worker lifecycle', { timeout: 120_000 }, () => {
  it('runs the agent on stdin/stdout in its own network namespace, and is gone after removal', async () => {
    const worker = await startWorker(docker, { image, runId: 'lifecycle', security: ['no-new-privileges:true'] });
    const session = new AgentSession(worker.channel);
    const hello = await session.ready(30_000);
    expect(hello.release).toBe(os.release());
    expect(await session.ping()).toBeLessThan(5_000);
    const info = await docker.getContainer(worker.id).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapAdd).toEqual(['NET_ADMIN', 'SYS_ADMIN', 'NET_BIND_SERVICE']);
    expect(info.Config.Labels).toMatchObject({ 'ipvs-conform.run': 'lifecycle', 'ipvs-conform.role': 'worker' });
    // A case needs IPVS, which this host lacks: the agent says so as an infrastructure failure.
    await expect(session.runCase({ version: 1, events: [{ op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' }] }, { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'IPVS_CONFORM_AGENT_FAIL',
      message: expect.stringMatching(/IPVS/),
    });
    session.close();
    await worker.remove();
    expect(await listContainers(docker, 'lifecycle')).toEqual([]);
  });

  it('a crashed run (SIGKILL) leaves nothing: stdin EOF ends the agent and AutoRemove the container', async () => {
    const runId = `crash-${Date.now()}`;
    const { child, ready, exited } = startChild(runId);
    const id = await ready;
    expect((await listContainers(docker, runId)).map((c) => c.Id)).toEqual([id]);
    child.kill('SIGKILL');
    await exited;
    await waitUntil('the crashed run has no container', async () => (await listContainers(docker, runId)).length === 0);
  });

  it('Ctrl-C (SIGINT) removes the containers, then the process ends by that signal', async () => {
    const runId = `sigint-${Date.now()}`;
    const { child, ready, exited } = startChild(runId);
    await ready;
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(await listContainers(docker, runId)).toEqual([]);
  });

  it("the sweep removes a dead owner's leftovers and never a live run's", async () => {
    const dead = spawn('true'); // a process that is gone by the time the sweep runs
    const deadPid = dead.pid!;
    await new Promise((r) => dead.on('exit', r));
    const make = async (owner: string) => {
      const spec = containerSpec({ image, runId: 'sweep-test', role: 'probe', security: [] });
      spec.Entrypoint = ['/bin/sleep', '600']; // not the agent: it would not end by itself
      spec.Labels = { ...spec.Labels, [OWNER_LABEL]: owner };
      const c = await docker.createContainer(spec);
      await c.start();
      return c.id;
    };
    const leftover = await make(`${os.hostname()} ${deadPid}`);
    const live = await make(`${os.hostname()} ${process.pid}`);
    const swept = await sweep(docker);
    expect(swept).toContain(leftover);
    expect(swept).not.toContain(live);
    expect((await listContainers(docker, 'sweep-test')).map((c) => c.Id)).toEqual([live]);
    await sweep(docker, { runId: 'sweep-test' });
    expect(await listContainers(docker)).toEqual([]);
  });
});

describe('worker pool', { timeout: 120_000 }, () => {
  const failingCase = { version: 1 as const, events: [{ op: 'svc-add' as const, svc: '10.0.0.1:80', scheduler: 'rr' }] };

  it('replaces a worker that failed a case, never hangs a waiting case, and leaves nothing on close', async () => {
    const pool = new WorkerPool(() => startSlot(docker, { image, runId: 'pool-test', security: ['no-new-privileges:true'] }));
    await pool.fill(2);
    const before = pool.ids();
    expect(before).toHaveLength(2);
    expect(await pool.use((s) => s.session.ping())).toBeLessThan(5_000);

    // No IPVS on this host: the agent answers `fail`, a real infrastructure failure of that worker.
    await expect(pool.use((s) => s.session.runCase(failingCase, { timeoutMs: 20_000 }))).rejects.toMatchObject({ code: 'IPVS_CONFORM_AGENT_FAIL' });
    await waitUntil('the pool is back to two workers', async () => pool.size === 2);
    const after = pool.ids();
    expect(after.filter((id) => before.includes(id))).toHaveLength(1);
    expect((await listContainers(docker, 'pool-test')).map((c) => c.Id).sort()).toEqual([...after].sort());

    // Three failing cases on two workers: each one fails, none waits forever.
    const three = await Promise.allSettled([1, 2, 3].map(() => pool.use((s) => s.session.runCase(failingCase, { timeoutMs: 20_000 }))));
    expect(three.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await waitUntil('the pool is back to two workers', async () => pool.size === 2);

    await pool.close();
    expect(await listContainers(docker, 'pool-test')).toEqual([]);
    await expect(pool.use((s) => s.session.ping())).rejects.toMatchObject({ code: 'IPVS_CONFORM_DOCKER_CLOSED' });
  });
});

describe('taint watch (how a Docker host oops or WARNING is seen)', { timeout: 120_000 }, () => {
  it("samples the host kernel's taint mask with no capabilities, and ends cleanly", async () => {
    const watch = await TaintWatch.start(docker, { image, runId: 'watch-test', security: [] });
    expect(watch.current).toBe(Number(readFileSync('/proc/sys/kernel/tainted', 'utf8')));
    const t0 = performance.now();
    expect(await watch.sampleAfter(t0)).toBe(watch.current);
    expect(performance.now() - t0).toBeLessThan(2_000);
    const info = await docker.getContainer(watch.id).inspect();
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    await watch.close();
    expect(await listContainers(docker, 'watch-test')).toEqual([]);
    await expect(watch.sampleAfter(performance.now())).rejects.toMatchObject({ code: 'IPVS_CONFORM_DOCKER_CLOSED' });
  });

  it('a watch whose container vanished fails the next check instead of passing it', async () => {
    const watch = await TaintWatch.start(docker, { image, runId: 'watch-test', security: [] });
    await docker.getContainer(watch.id).remove({ force: true });
    await expect(watch.sampleAfter(performance.now())).rejects.toMatchObject({ code: 'IPVS_CONFORM_DOCKER_WATCH' });
    await watch.close();
  });
});
