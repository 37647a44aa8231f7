import { describe, expect, it } from 'vitest';
import { isSchedulerModule, moduleName, parseBuiltin, parseBuiltinAliases, parseModulesDep, parseSoftDeps, selectModules, uncompressedPath } from '../../../src/backends/qemu/modules.js';
import { parseLdd } from '../../../src/backends/qemu/rootfs.js';

const dep = `kernel/lib/libcrc32c.ko.xz:
kernel/crypto/crc32c_generic.ko.xz:
kernel/arch/x86/crypto/crc32c-intel.ko.xz:
kernel/net/netfilter/nf_conntrack.ko.xz: kernel/lib/libcrc32c.ko.xz
kernel/net/netfilter/ipvs/ip_vs.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz kernel/lib/libcrc32c.ko.xz
kernel/net/netfilter/ipvs/ip_vs_rr.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz
kernel/net/netfilter/ipvs/ip_vs_twos.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz
kernel/net/netfilter/ipvs/ip_vs_ftp.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz kernel/net/netfilter/nf_nat.ko.xz
kernel/net/netfilter/ipvs/ip_vs_pe_sip.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz
kernel/net/netfilter/nf_nat.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz
kernel/drivers/net/veth.ko.xz:
kernel/net/ipv4/tunnel4.ko.xz:
kernel/net/ipv4/ip_tunnel.ko.xz:
kernel/net/ipv4/ipip.ko.xz: kernel/net/ipv4/tunnel4.ko.xz kernel/net/ipv4/ip_tunnel.ko.xz
kernel/net/ipv6/tunnel6.ko.xz:
kernel/net/ipv6/ip6_tunnel.ko.xz: kernel/net/ipv6/tunnel6.ko.xz
kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz
kernel/net/sched/sch_ingress.ko.xz:
kernel/net/sched/cls_flower.ko.xz:
kernel/net/sched/act_skbedit.ko.xz:
`;

describe('module selection', () => {
  it('names modules as the kernel does', () => {
    expect(moduleName('kernel/arch/x86/crypto/crc32c-intel.ko.xz')).toBe('crc32c_intel');
    expect(moduleName('kernel/net/netfilter/ipvs/ip_vs_rr.ko')).toBe('ip_vs_rr');
    expect(uncompressedPath('kernel/drivers/net/veth.ko.xz')).toBe('kernel/drivers/net/veth.ko');
    expect(uncompressedPath('kernel/drivers/net/veth.ko')).toBe('kernel/drivers/net/veth.ko');
  });

  it('counts ip_vs_<scheduler> as schedulers, not ip_vs, the ftp helper or persistence engines', () => {
    expect(isSchedulerModule('kernel/net/netfilter/ipvs/ip_vs_twos.ko.xz')).toBe(true);
    expect(isSchedulerModule('kernel/net/netfilter/ipvs/ip_vs.ko')).toBe(false);
    expect(isSchedulerModule('kernel/net/netfilter/ipvs/ip_vs_ftp.ko')).toBe(false);
    expect(isSchedulerModule('kernel/net/netfilter/ipvs/ip_vs_pe_sip.ko')).toBe(false);
  });

  it('takes the boot modules, every scheduler and their dependencies; skips built-in ones; preloads soft deps', () => {
    const builtin = parseBuiltin('kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/char/virtio_console.ko\n');
    const soft = parseSoftDeps('softdep libcrc32c pre: crc32c\n', 'alias crc32c crc32c_intel\nalias crc32c crc32c_generic\n');
    const { files, preload } = selectModules(parseModulesDep(dep), builtin, soft);
    expect(files).toEqual([
      'kernel/crypto/crc32c_generic.ko.xz',
      'kernel/drivers/net/veth.ko.xz',
      'kernel/lib/libcrc32c.ko.xz',
      'kernel/net/ipv4/ip_tunnel.ko.xz',
      'kernel/net/ipv4/ipip.ko.xz',
      'kernel/net/ipv4/tunnel4.ko.xz',
      'kernel/net/ipv6/ip6_tunnel.ko.xz',
      'kernel/net/ipv6/tunnel6.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs_rr.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs_twos.ko.xz',
      'kernel/net/netfilter/nf_conntrack.ko.xz',
      'kernel/net/sched/act_skbedit.ko.xz',
      'kernel/net/sched/cls_flower.ko.xz',
      'kernel/net/sched/sch_ingress.ko.xz',
    ]);
    expect(preload).toEqual(['kernel/crypto/crc32c_generic.ko.xz']);
  });

  it('needs no preload when built-in code provides the soft dependency (6.1: crc32c is built in)', () => {
    const soft = parseSoftDeps('softdep libcrc32c pre: crc32c\n', 'alias crc32c crc32c_intel\n');
    soft.builtinAliases = parseBuiltinAliases('crc32c_generic.alias=crypto-crc32c\0crc32c_generic.alias=crc32c\0crc32c_generic.license=GPL\0');
    const builtin = parseBuiltin('kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/char/virtio_console.ko\nkernel/crypto/crc32c_generic.ko\n');
    const { files, preload } = selectModules(parseModulesDep(dep), builtin, soft);
    expect(preload).toEqual([]);
    expect(files).not.toContain('kernel/arch/x86/crypto/crc32c-intel.ko.xz');
  });

  it('fails clearly when a boot module is neither a module nor built in', () => {
    expect(() => selectModules(parseModulesDep(dep), new Set())).toThrow('module virtio_pci is neither in the kernel');
  });
});

describe('parseLdd', () => {
  it('lists the libraries and the loader', () => {
    const out = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibpopt.so.0 => /lib/x86_64-linux-gnu/libpopt.so.0 (0x00007f1)
\tlibnl-genl-3.so.200 => /lib/x86_64-linux-gnu/libnl-genl-3.so.200 (0x00007f2)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f4)
`;
    expect(parseLdd(out)).toEqual([
      '/lib/x86_64-linux-gnu/libpopt.so.0',
      '/lib/x86_64-linux-gnu/libnl-genl-3.so.200',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});
