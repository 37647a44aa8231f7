// Measures, against a real dockerd, why a worker has exactly the capabilities it has
// (WORKER_CAPS in src/backends/docker/containers.ts): each one less, and the agent's namespace
// work fails; with them, it works, and /proc/sys stays read-only outside /proc/sys/net.
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerSpec, listContainers, runToEnd, WORKER_CAPS } from '../../../src/backends/docker/containers.js';
import type { PrivateDockerd } from './dockerd.js';
import { startDaemonWithImage } from './private-daemon.js';

let dockerd: PrivateDockerd, docker: Docker, image: string;
beforeAll(async () => void ({ dockerd, docker, image } = await startDaemonWithImage()));
afterAll(() => dockerd?.stop());

/** Runs a busybox shell script in a worker-like container with the given capabilities. */
async function withCaps(caps: string[], script: string) {
  const spec = containerSpec({ image, runId: 'caps-measure', role: 'worker', security: ['no-new-privileges:true'] });
  spec.Entrypoint = ['/bin/sh', '-c', script];
  spec.HostConfig = { ...spec.HostConfig, CapAdd: caps };
  return runToEnd(docker, spec);
}

// What the agent does per case: a fresh network namespace, a listener on a low port in it.
const NETNS = 'unshare -n sh -c "ip link set lo up && timeout 1 nc -l -p 80 127.0.0.1; echo rc=\\$?"';

describe('worker capabilities (measured)', { timeout: 120_000 }, () => {
  it('NET_ADMIN alone cannot create the per-case network namespace', async () => {
    const r = await withCaps(['NET_ADMIN'], NETNS);
    expect(r.stderr).toMatch(/unshare.*Operation not permitted/);
  });

  it('without NET_BIND_SERVICE a fresh namespace cannot listen on port 80', async () => {
    const r = await withCaps(['NET_ADMIN', 'SYS_ADMIN'], NETNS);
    expect(r.stderr).toMatch(/bind: Permission denied/);
  });

  it('with WORKER_CAPS both work (nc listens until timeout ends it)', async () => {
    const r = await withCaps(WORKER_CAPS, NETNS);
    expect(r.stderr).not.toMatch(/not permitted|denied/);
    expect(r.stdout).toMatch(/rc=143/);
  });

  it("the entrypoint's mount makes only /proc/sys/net writable, per namespace", async () => {
    const script = [
      'unshare -m sh -c "mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net &&',
      ' unshare -n sh -c \\"echo 1 > /proc/sys/net/ipv4/ip_forward && echo inner \\\\\\$(cat /proc/sys/net/ipv4/ip_forward);',
      ' echo 1 > /proc/sys/kernel/panic_on_oops || echo kernel-ro\\""',
    ].join('');
    const r = await withCaps(WORKER_CAPS, `echo 0 > /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo outer-ro; ${script}`);
    expect(r.stdout).toContain('outer-ro'); // Docker's read-only /proc/sys, outside the entrypoint's mount namespace
    expect(r.stdout).toContain('inner 1');
    expect(r.stdout).toContain('kernel-ro');
  });

  it('a worker sees no network but its own loopback', async () => {
    const r = await withCaps(WORKER_CAPS, 'cat /proc/net/dev');
    const ifaces = r.stdout.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    expect(ifaces).toEqual(['lo']);
  });

  // The same, through the agent itself: one case that builds the per-case topology (namespaces,
  // veths, sysctls) and connects from a low client port to a VIP without a service. It needs no
  // IPVS, so it runs on this host.
  const connectCase = 'connect c1 10.0.0.1:80 10.1.0.5:1000\n';
  async function agentCase(caps: string[], entrypoint: string[]) {
    const spec = containerSpec({ image, runId: 'caps-measure', role: 'worker', security: ['no-new-privileges:true'] });
    spec.Entrypoint = entrypoint;
    spec.HostConfig = { ...spec.HostConfig, CapAdd: caps };
    const r = await runToEnd(docker, spec, 30_000, `IPVSC 1 case ${connectCase.length}\n${connectCase}`);
    return r.stdout.slice(r.stdout.indexOf('IPVSC 1 '));
  }

  it('the agent, through the entrypoint with WORKER_CAPS, builds its topology: no service, no destination', async () => {
    const reply = await agentCase(WORKER_CAPS, ['/bin/sh', '/entrypoint.sh']);
    expect(reply, reply).toMatch(/^IPVSC 1 ok \d+\nok t=[\d.]+ dest=none\n$/);
  });

  // The agent's fences assume packets queue in order on the sending CPU; this host has several,
  // and a busy host moves processes between them. Unpinned, 40 of 960 such connects read as
  // ETIMEDOUT with two busy loops beside them; pinned for the case (util.c cpu_pin), 0 of 1920.
  it('on a busy multi-CPU host, every connect to a VIP without a service is refused, never ETIMEDOUT', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `connect c${i} 10.0.0.1:80 10.1.0.${5 + i}:${1000 + i}\n`).join('');
    const hogs = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    try {
      for (let run = 0; run < 6; run++) {
        const spec = containerSpec({ image, runId: 'caps-measure', role: 'worker', security: ['no-new-privileges:true'] });
        spec.Entrypoint = ['/bin/sh', '/entrypoint.sh'];
        spec.HostConfig = { ...spec.HostConfig, CapAdd: WORKER_CAPS };
        const r = await runToEnd(docker, spec, 60_000, `IPVSC 1 case ${lines.length}\n${lines}`);
        const reply = r.stdout.slice(r.stdout.indexOf('IPVSC 1 '));
        expect(reply.match(/^ok t=[\d.]+ dest=none$/gm), reply).toHaveLength(40);
      }
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  });

  it('without the entrypoint\'s /proc/sys/net mount the agent cannot set its sysctls', async () => {
    expect(await agentCase(WORKER_CAPS, ['/sbin/ipvsc-agent', '--stdio'])).toMatch(/^IPVSC 1 fail \d+\n.*Read-only file system/);
  });

  it('without NET_BIND_SERVICE the agent cannot bind client port 1000', async () => {
    expect(await agentCase(['NET_ADMIN', 'SYS_ADMIN'], ['/bin/sh', '/entrypoint.sh'])).toMatch(/err t=[\d.]+ errno=13 name=EACCES/);
  });

  it('leaves no container behind', async () => {
    expect(await listContainers(docker)).toEqual([]);
  });
});
