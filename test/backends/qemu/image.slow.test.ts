// The real image build (Debian's packages, the hprio module, the agent, the initramfs): a second
// build of unchanged inputs is a cache hit, and the initramfs holds what the guest needs and no
// more (no Node.js).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/backends/qemu/image.js';
import { kernelSpec } from '../../../src/backends/qemu/kernels.js';
import { buildRootfs } from '../../../src/backends/qemu/rootfs.js';

describe('buildImage', () => {
  it('builds 6.1 once and hits the cache the second time', async () => {
    const first = await buildImage({ kernel: '6.1' });
    const t = performance.now();
    const second = await buildImage({ kernel: '6.1' });
    expect(performance.now() - t).toBeLessThan(5000);
    expect(second).toEqual(first);
    expect(first.release).toBe(kernelSpec('6.1').release);
    expect(existsSync(first.kernelPath)).toBe(true);
    expect(existsSync(first.bzImagePath)).toBe(true);

    const list = await execa('sh', ['-c', `cpio -t --quiet < '${first.initrdPath}'`]);
    const files = new Set(list.stdout.split('\n'));
    const mods = `lib/modules/${first.release}`;
    for (const f of [
      'init',
      'bin/busybox',
      'sbin/ipvsc-agent',
      'sbin/ipvsadm',
      'sbin/modprobe',
      'lib64/ld-linux-x86-64.so.2',
      'etc/ipvsc-preload',
      `${mods}/modules.dep`,
      `${mods}/kernel/net/netfilter/ipvs/ip_vs.ko`,
      `${mods}/kernel/net/netfilter/ipvs/ip_vs_rr.ko`,
      `${mods}/kernel/net/netfilter/ipvs/ip_vs_hprio.ko`,
      `${mods}/kernel/drivers/char/virtio_console.ko`,
    ])
      expect(files, f).toContain(f);
    expect([...files].some((f) => /(^|\/)node$/.test(f))).toBe(false);
  }, 300_000);
});

describe('buildRootfs', () => {
  it('assembles the guest root file system without kernel modules, for docker import', async () => {
    const dir = await buildRootfs();
    for (const f of ['init', 'bin/sh', 'sbin/ipvsc-agent', 'sbin/ipvsadm', 'lib64/ld-linux-x86-64.so.2'])
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(existsSync(path.join(dir, 'lib/modules'))).toBe(false);
    // ipvsadm is not run here: on the host it would try to load ip_vs. Its libraries are there.
    for (const lib of ['libpopt.so.0', 'libnl-genl-3.so.200', 'libnl-3.so.200', 'libc.so.6'])
      expect(existsSync(path.join(dir, 'lib/x86_64-linux-gnu', lib)), lib).toBe(true);
    expect(await buildRootfs()).toBe(dir);
  }, 120_000);
});
