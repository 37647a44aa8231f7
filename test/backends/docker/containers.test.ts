import { describe, expect, it } from 'vitest';
import { containerSpec, ownerIsDead, ownerLabel, securityOpts, WORKER_CAPS } from '../../../src/backends/docker/containers.js';

describe('containerSpec', () => {
  const worker = containerSpec({ image: 'ipvs-conform/rootfs:abc', runId: 'r1', role: 'worker', security: ['no-new-privileges:true'] });
  const probe = containerSpec({ image: 'ipvs-conform/rootfs:abc', runId: 'r1', role: 'probe', security: [] });

  const watch = containerSpec({ image: 'ipvs-conform/rootfs:abc', runId: 'r1', role: 'watch', security: [] });

  it('never uses the host network nor privileged mode', () => {
    for (const s of [worker, probe, watch]) {
      expect(s.HostConfig?.NetworkMode).toBe('none');
      expect(s.HostConfig?.Privileged).toBe(false);
      expect(s.HostConfig?.CapDrop).toEqual(['ALL']);
      expect(s.HostConfig?.AutoRemove).toBe(true);
    }
  });
  it('gives a worker exactly the measured capabilities and the probe none', () => {
    expect(WORKER_CAPS).toEqual(['NET_ADMIN', 'SYS_ADMIN', 'NET_BIND_SERVICE']);
    expect(worker.HostConfig?.CapAdd).toEqual(WORKER_CAPS);
    expect(probe.HostConfig?.CapAdd).toEqual([]);
    expect(watch.HostConfig?.CapAdd).toEqual([]);
    expect(watch.Entrypoint).toEqual(['/bin/sh', '-c', expect.stringContaining('/proc/sys/kernel/tainted')]);
  });
  it('labels every container with its run and its owner', () => {
    expect(worker.Labels).toEqual({ 'ipvs-conform.run': 'r1', 'ipvs-conform.owner': ownerLabel(), 'ipvs-conform.role': 'worker' });
  });
  it('speaks over stdin/stdout, closing stdin when the attach ends', () => {
    expect(worker).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true, Tty: false });
    expect(worker.Entrypoint).toEqual(['/bin/sh', '/entrypoint.sh']);
    expect(probe.Entrypoint).toEqual(['/bin/sh', '/probe.sh']);
  });
});

describe('securityOpts', () => {
  it('lifts AppArmor only where the daemon runs it', () => {
    expect(securityOpts({ SecurityOptions: ['name=seccomp,profile=default'] })).toEqual(['no-new-privileges:true']);
    expect(securityOpts({ SecurityOptions: ['name=apparmor', 'name=seccomp,profile=default'] })).toEqual([
      'no-new-privileges:true',
      'apparmor=unconfined',
    ]);
    expect(securityOpts({})).toEqual(['no-new-privileges:true']);
  });
});

describe('ownerIsDead', () => {
  it('a live process on this host is not dead; another host is never judged', () => {
    expect(ownerIsDead(ownerLabel())).toBe(false);
    expect(ownerIsDead('some-other-host 1', 'this-host')).toBe(false);
    expect(ownerIsDead(undefined)).toBe(false);
  });
  it('a pid that does not exist is dead', () => {
    expect(ownerIsDead('h 4194303', 'h')).toBe(true); // above the default pid_max range in use
  });
});
