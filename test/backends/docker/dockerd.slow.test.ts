// The private dockerd helper that these suites and CI use: it must start on its own socket and
// leave nothing behind (no daemon, no containerd, no directory) when stopped.
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { dockerOptions } from '../../../src/backends/docker/connect.js';
import { dockerdArgs, startPrivateDockerd } from './dockerd.js';
import { pidAlive } from '../../../src/host/pid.js';

describe('startPrivateDockerd', { timeout: 120_000 }, () => {
  it('uses its own socket, roots and pid file, with the flags measured to work here', () => {
    const args = dockerdArgs('/tmp/d');
    expect(args).toEqual(expect.arrayContaining(['-H', 'unix:///tmp/d/docker.sock', '--data-root', '/tmp/d/data', '--exec-root', '/tmp/d/exec', '--pidfile', '/tmp/d/docker.pid']));
    expect(args).toEqual(expect.arrayContaining(['--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none']));
  });

  it('answers on its private socket and leaves nothing when stopped', async () => {
    const d = await startPrivateDockerd();
    const docker = new Docker(dockerOptions(d.host));
    const info = await docker.info();
    expect(info.DockerRootDir).toBe(`${d.dir}/data`);
    expect(info.Driver).toBe('vfs');
    const containerdPidFile = `${d.dir}/exec/containerd/containerd.pid`;
    expect(existsSync(containerdPidFile)).toBe(true);
    expect(pidAlive(d.pid)).toBe(true);
    await d.stop();
    await d.stop(); // idempotent
    expect(pidAlive(d.pid)).toBe(false);
    expect(existsSync(d.dir)).toBe(false);
    await expect(docker.ping()).rejects.toThrow();
  });
});
