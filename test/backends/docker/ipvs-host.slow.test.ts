// The Docker backend on a Docker host whose kernel has IPVS, for real: a QEMU guest running a
// pinned kernel (6.1, then 6.12) with the IPVS modules and hprio, plus dockerd
// (test/backends/docker/testhost/), reached over a restricted user-mode NIC at
// tcp://127.0.0.1:<port>. The backend's probe must see that kernel, the model must follow its
// release, its cases must agree with the model (or differ only by the documented hprio
// code-vs-intent difference, README "Known divergences"), and nothing may be left behind: no
// container in the guest's dockerd, no QEMU.
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDocker } from '../../../src/backends/docker/connect.js';
import { pidAlive } from '../../../src/host/pid.js';
import { containerSpec, runToEnd } from '../../../src/backends/docker/containers.js';
import { createDockerBackend } from '../../../src/backends/docker/index.js';
import { ensureImage } from '../../../src/backends/docker/image.js';
import { bootDockerHost, type DockerHostGuest } from './testhost/guest.js';
import { KernelFinding } from '../../../src/errors.js';
import type { Scenario } from '../../../src/scenario.js';
import { resolveKernel } from '../../../src/kernels/resolve.js';
import { kernelSpec } from '../../../src/backends/qemu/kernels.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'bin/ipvs-conform.mjs');
const HPRIO_CASE = path.join(ROOT, 'golden/known-divergences/6.1-hprio-overloaded-same-weight.yaml');
const GUEST_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'hprio'];

let scratch: string;

// Each Docker host is a 2-CPU TCG guest running dockerd and the workers' containers, on a machine
// whose other suites boot guests of their own meanwhile (npm test runs files in parallel): a
// case's wall time there is several times what it is alone (a probe test 33 s alone, over 180 s
// beside the rest). The budgets are for that machine, not for a quiet one.
const CASE_BUDGET = 480_000;
const RUN_BUDGET = 720_000;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ipvsc-dockerhost-'));
});

afterAll(async () => {
  // A run cut off by its test's timeout may still be writing its report: retry the removal.
  if (scratch) await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
});

/** One guest for a describe block: booted before its tests, stopped after them (or by its last test). */
function useGuest(kernel: string) {
  const g = {} as { guest: DockerHostGuest; docker: Docker };
  beforeAll(async () => {
    // debian:latest-6.1 and the like are resolved (and registered) before the guest is built.
    g.guest = await bootDockerHost({ kernel: (await resolveKernel(kernel)).name });
    g.docker = await connectDocker(g.guest.host);
  }, 300_000);
  // A failed test shows how the guest ended (dockerd's exit, an OOM kill, a panic): QEMU's
  // serial console is the only record of it.
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      if (g.guest) console.error(`docker-host guest (${kernel}, ${g.guest.alive() ? 'running' : 'QEMU gone'}), console tail:\n${g.guest.console().slice(-6000)}`);
    });
  });
  afterAll(async () => {
    await g.guest?.stop();
  });
  return g;
}

/** Every container on a guest's daemon, ours or not. */
const containersOn = (docker: Docker) => docker.listContainers({ all: true });

const cli = (host: string, args: string[]) => execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { DOCKER_HOST: host } });

// hprio, as both the 2005 patch's code and its intent agree: two weight-5 servers with upper
// threshold 2 take the first four connections (held open, so active), then both are overloaded
// and the weight-1 spillover server takes the fifth (ip_vs_hprio_schedule: max weight over the
// destinations without IP_VS_DEST_F_OVERLOAD).
const svc = '10.0.0.1:80';
const spillover: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc, scheduler: 'hprio' },
    { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 5, upper: 2, lower: 0 },
    { op: 'dest-add', svc, dest: '10.2.0.2:80', weight: 5, upper: 2, lower: 0 },
    { op: 'dest-add', svc, dest: '10.2.0.3:80', weight: 1, upper: 0, lower: 0 },
    ...[1, 2, 3, 4, 5].map((i) => ({ op: 'connect' as const, conn: `c${i}`, svc, client: `10.1.0.${i}`, cport: 40000 + i })),
  ],
};

/**
 * The host's own admin, as it were: a privileged container sets TAINT_WARN (bit 9) as __warn()
 * does (kernel/panic.c add_taint). The workers could not: /proc/sys is read-only for them outside
 * /proc/sys/net. Taint bits are never cleared: the guest stays tainted W afterwards.
 */
async function setTaintWarn(docker: Docker): Promise<void> {
  const spec = containerSpec({ image: await ensureImage(docker), runId: 'taint-test', role: 'probe', security: [] });
  spec.Entrypoint = ['/bin/sh', '-c', 'echo 512 > /proc/sys/kernel/tainted && cat /proc/sys/kernel/tainted'];
  spec.HostConfig = { ...spec.HostConfig, CapDrop: [], Privileged: true };
  const set = await runToEnd(docker, spec);
  expect(set.code, set.stderr).toBe(0);
  expect(Number(set.stdout.trim()) & 512).toBe(512);
}

describe('the Docker backend on a Docker host running the pinned 6.1 kernel (QEMU guest, TCG)', () => {
  const g = useGuest('6.1');
  const containers = () => containersOn(g.docker);
  const cli61 = (args: string[]) => cli(g.guest.host, args);

  it("the probe sees the guest's kernel: IPVS, its release, every scheduler /init loaded and hprio; a real case runs", async () => {
    const { guest } = g;
    const backend = createDockerBackend({ kernel: '6.1', jobs: 1, dockerHost: guest.host });
    try {
      const caps = await backend.start();
      expect(caps.release).toBe(guest.release);
      expect(caps.release).toBe(kernelSpec('6.1').release); // 6.1.0-50-cloud-amd64 (vm/kernels.yaml)
      expect(caps.kernel).toBe('6.1');
      // By the exact version in /proc/version (uname -r has no point release): 6.1.176 is before 6.1.183.
      expect(caps.semantics).toBe('6.1');
      expect(caps.semanticsWhy).toMatch(/^semantics 6\.1: 6\.1\.176 \(\/proc\/version's "Debian 6\.1\.176-1"\): before stable 6\.1\.183/);
      expect([...caps.schedulers].sort()).toEqual([...GUEST_SCHEDULERS].sort());
      expect(caps.unavailable).toEqual(['twos']); // 6.1 has no ip_vs_twos

      const obs = await backend.run(spillover);
      expect(obs.backend).toBe('docker');
      expect(obs.kernel).toEqual({ name: '6.1', release: guest.release });
      const dests = obs.steps.filter((s) => s.index >= 4).map((s) => s.dest);
      expect(obs.steps.every((s) => !s.error), JSON.stringify(obs.steps)).toBe(true);
      expect([...dests.slice(0, 4)].sort()).toEqual(['10.2.0.1:80', '10.2.0.1:80', '10.2.0.2:80', '10.2.0.2:80']);
      expect(dests[4]).toBe('10.2.0.3:80');
      expect(obs.listings?.list).toMatch(/10\.0\.0\.1:80 hprio/);
    } finally {
      await backend.close();
    }
    expect(await containers()).toEqual([]);
  }, CASE_BUDGET);

  it('run --backend docker through the CLI: generated cases agree with the model (hprio may differ only as documented)', async () => {
    const report = path.join(scratch, 'run');
    const r = await cli61(['run', '--backend', 'docker', '--cases', '12', '--seed', '7', '--jobs', '2', '--shrink-budget', '60s', '--report', report, '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(summary.totals?.cases, r.stderr).toBe(12);
    expect(summary.totals.infra, r.stderr).toBe(0);
    expect(summary.totals.kernel, r.stderr).toBe(0);
    expect(summary.totals.modelErrors, r.stderr).toBe(0);
    expect(summary.kernels).toHaveLength(1);
    expect(summary.kernels[0]).toMatchObject({ kernel: '6.1', semantics: '6.1', backend: 'docker' });
    // Any divergence must be hprio's known one (the module ports the patch's code, the model its intent).
    expect(summary.findings.filter((f: { scheduler: string }) => f.scheduler !== 'hprio'), r.stderr).toEqual([]);
    // A real clock: see the 6.12 run below for why a case may be flaky (exit 5) but never passes.
    const undecided = summary.totals.unknowns + summary.totals.flaky;
    expect(undecided, r.stderr).toBeLessThanOrEqual(3);
    expect(r.exitCode, r.stderr).toBe(summary.totals.divergences > 0 ? 1 : undecided > 0 ? 5 : 0);
    expect(r.stderr).toContain(`host kernel ${g.guest.release}`);
    expect(r.stderr).toMatch(/schedulers rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh hprio/);
    expect(await containers()).toEqual([]);
  }, RUN_BUDGET);

  it('replays the documented hprio divergence on the guest kernel: the kernel gives the overloaded server its turn (exit 1)', async () => {
    // --force: the saved case records the QEMU image's module build; a Docker host has none.
    const r = await cli61(['replay', HPRIO_CASE, '--backend', 'docker', '--force']);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, out).toBe(1);
    expect(out).toContain('dest: model expected 10.2.0.1:81, kernel gave 10.2.0.1:80');
    expect(await containers()).toEqual([]);
    const saved = await readFile(HPRIO_CASE, 'utf8');
    expect(saved).toContain('got: 10.2.0.1:80'); // the same answer the QEMU backend recorded
  }, CASE_BUDGET);

  it("golden --check --backend docker: the guest kernel's hprio observations equal the corpus the QEMU backend recorded", async () => {
    const r = await cli61(['golden', '--check', '--backend', 'docker', '--kernel', '6.1', '--scheduler', 'hprio', '--jobs', '2']);
    expect(r.stderr).toMatch(/kernel 6\.1: (\d+) golden cases, \1 unchanged, 0 differ/);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await containers()).toEqual([]);
  }, CASE_BUDGET);

  // Last on this guest: taint bits are never cleared, so the guest stays tainted W afterwards.
  it("a WARNING on the Docker host's kernel during a run is a KernelFinding naming taint W, not a pass", async () => {
    const { guest, docker } = g;
    const backend = createDockerBackend({ kernel: '6.1', jobs: 1, dockerHost: guest.host });
    try {
      await backend.start();
      await setTaintWarn(docker);
      const err = await backend.run(spillover).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KernelFinding);
      expect((err as KernelFinding).exitCode).toBe(4);
      expect((err as Error).message).toContain(`the Docker host's kernel (${guest.release}) reported a WARNING (taint W)`);
    } finally {
      await backend.close();
    }
    expect(await containers()).toEqual([]);
  }, CASE_BUDGET);

  it('stopping the guest leaves no QEMU', async () => {
    const { guest } = g;
    const pid = guest.pid;
    expect(guest.alive()).toBe(true);
    await guest.stop();
    expect(guest.alive()).toBe(false);
    expect(pidAlive(pid)).toBe(false);
  });
});

describe('the same on a Docker host running the pinned 6.12 kernel: the model follows the guest', () => {
  const g = useGuest('6.12');

  it('run --backend docker (no --kernel): the release maps to 6.12 semantics, twos is there, the cases agree', async () => {
    const report = path.join(scratch, 'run-6.12');
    const r = await cli(g.guest.host, ['run', '--backend', 'docker', '--cases', '8', '--seed', '3', '--jobs', '2', '--shrink-budget', '60s', '--report', report, '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(summary.totals?.cases, r.stderr).toBe(8);
    expect(summary.totals.infra, r.stderr).toBe(0);
    expect(summary.totals.kernel, r.stderr).toBe(0);
    // Labelled with the kernel the cases ran on, not the default --kernel.
    expect(summary.kernels[0]).toMatchObject({ kernel: '6.12', semantics: '6.12', backend: 'docker', release: kernelSpec('6.12').release });
    expect(r.stderr).toMatch(/model semantics 6\.12: 6\.12\.\d+ \(\/proc\/version's "Debian 6\.12\.\d+-[^"]+"\): stable 6\.12\.104/);
    expect(r.stderr).toMatch(/schedulers rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh hprio twos/);
    expect(summary.findings.filter((f: { scheduler: string }) => f.scheduler !== 'hprio'), r.stderr).toEqual([]);
    // A Docker host runs on a real clock: on a loaded TCG guest a stall can make TCP retransmit,
    // and a case that then differs once and agrees on its re-run is flaky (exit 5), never a pass.
    const undecided = summary.totals.unknowns + summary.totals.flaky;
    expect(undecided, r.stderr).toBeLessThanOrEqual(2);
    expect(r.exitCode, r.stderr).toBe(summary.totals.divergences > 0 ? 1 : undecided > 0 ? 5 : 0);
    expect(await containersOn(g.docker)).toEqual([]);
  }, RUN_BUDGET);

  // Last on this guest (it stays tainted W).
  it('a WARNING after the last case is pinned to that case by drain(), and no QEMU is left', async () => {
    const backend = createDockerBackend({ kernel: '6.12', jobs: 1, dockerHost: g.guest.host });
    try {
      await backend.start();
      expect((await backend.run(spillover)).steps).toHaveLength(spillover.events.length);
      expect(await backend.drain()).toEqual([]);
      await setTaintWarn(g.docker);
      const late = await backend.drain();
      expect(late).toHaveLength(1);
      expect(late[0]!.after).toBe(spillover);
      expect(late[0]!.message).toContain('reported a WARNING (taint W) after a case had finished');
    } finally {
      await backend.close();
    }
    expect(await containersOn(g.docker)).toEqual([]);
    const pid = g.guest.pid;
    await g.guest.stop();
    expect(pidAlive(pid)).toBe(false);
  }, CASE_BUDGET);
});

describe("a Docker host on Debian's newest 6.1: the semantics follow /proc/version's exact version", () => {
  const g = useGuest('debian:latest-6.1');

  it('run --backend docker: 6.1.183+ follows the 6.12 rules, the log names the version read, the cases agree', async () => {
    const report = path.join(scratch, 'run-6.1-latest');
    const r = await cli(g.guest.host, ['run', '--backend', 'docker', '--cases', '12', '--seed', '5', '--jobs', '2', '--shrink-budget', '60s', '--report', report, '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    // uname -r (6.1.0-NN-cloud-amd64) has no point release: /proc/version's Debian version decides.
    expect(r.stderr).toMatch(/model semantics 6\.12: 6\.1\.\d+ \(\/proc\/version's "Debian 6\.1\.\d+-\d+"\): stable 6\.1\.183/);
    expect(summary.kernels?.[0], r.stderr).toMatchObject({ semantics: '6.12', backend: 'docker' });
    expect(summary.kernels[0].release).toMatch(/^6\.1\.0-\d+-cloud-amd64$/);
    expect(summary.totals).toMatchObject({ cases: 12, infra: 0, kernel: 0 });
    expect(summary.findings.filter((f: { scheduler: string }) => f.scheduler !== 'hprio'), r.stderr).toEqual([]);
  }, RUN_BUDGET);
});
