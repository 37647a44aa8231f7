import { describe, expect, it } from 'vitest';
import { AGENT_PORT, buildQemuArgs, KERNEL_CMDLINE, type QemuConfig } from '../../../src/backends/qemu/qemu-args.js';

const base: QemuConfig = { kernel: '/img/vmlinuz', initrd: '/img/initrd.img', agentSocket: '/tmp/x/agent.sock', accel: 'tcg' };

function opt(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('buildQemuArgs', () => {
  it('gives the guest no network, no reboot, the console on stdout and the agent port', () => {
    const args = buildQemuArgs(base);
    expect(opt(args, '-nic')).toEqual(['none']);
    expect(args).toContain('-no-reboot');
    expect(args).toContain('-nodefaults');
    expect(opt(args, '-serial')).toEqual(['stdio']);
    expect(opt(args, '-chardev')).toEqual(['socket,id=agent,path=/tmp/x/agent.sock']);
    expect(opt(args, '-device')).toContain(`virtserialport,bus=vser0.0,chardev=agent,name=${AGENT_PORT}`);
    expect(AGENT_PORT).toBe('org.ipvsconform.agent');
    expect(opt(args, '-kernel')).toEqual(['/img/vmlinuz']);
    expect(opt(args, '-initrd')).toEqual(['/img/initrd.img']);
    expect(opt(args, '-m')).toEqual(['256']);
    expect(opt(args, '-accel')).toEqual(['tcg']);
    expect(args).not.toContain('-cpu');
  });

  it('builds the kernel command line from words: console with warnings shown, and a panic that powers off', () => {
    const cmdline = opt(buildQemuArgs({ ...base, cmdline: ['extra=1'] }), '-append')[0]!.split(' ');
    expect(cmdline.slice(0, KERNEL_CMDLINE.length)).toEqual([...KERNEL_CMDLINE]);
    expect(cmdline).toEqual(expect.arrayContaining(['console=ttyS0', 'loglevel=5', 'panic=-1', 'oops=panic']));
    // quiet would hide WARNING and the Oops header (printed below loglevel 4) from the watcher.
    expect(cmdline).not.toContain('quiet');
    expect(cmdline.at(-1)).toBe('extra=1');
  });

  it('boots through qboot, with a virtio-serial bus of two ports, unless told another firmware', () => {
    const args = buildQemuArgs(base);
    expect(opt(args, '-bios')).toEqual(['qboot.rom']);
    expect(opt(args, '-device')).toContain('virtio-serial-pci,id=vser0,max_ports=2');
    expect(opt(buildQemuArgs({ ...base, bios: 'bios-256k.bin' }), '-bios')).toEqual(['bios-256k.bin']);
  });

  it('skips crypto self-tests and unneeded initcalls, but never hides the console', () => {
    expect(KERNEL_CMDLINE).toContain('cryptomgr.notests');
    const blacklist = KERNEL_CMDLINE.find((w) => w.startsWith('initcall_blacklist='))!.split('=')[1]!.split(',');
    expect(blacklist).toEqual(expect.arrayContaining(['crypto_kdf108_init', 'jent_mod_init']));
    // Nothing the agent needs (virtio console, IPVS, netns, TCP) and no console driver is blacklisted.
    for (const fn of blacklist) expect(fn).not.toMatch(/virtio|serial|console|ip_vs|inet|net/);
    expect(KERNEL_CMDLINE.filter((w) => /^(quiet|loglevel=[0-4]|console=)/.test(w))).toEqual(['console=ttyS0']);
  });

  it('runs the guest on virtual time when asked: -icount with sleep off, TCG only, shift checked', () => {
    expect(buildQemuArgs(base)).not.toContain('-icount');
    expect(opt(buildQemuArgs({ ...base, icount: { shift: 'auto', sleep: false } }), '-icount')).toEqual(['shift=auto,sleep=off']);
    expect(opt(buildQemuArgs({ ...base, icount: { shift: 2, sleep: false } }), '-icount')).toEqual(['shift=2,sleep=off']);
    expect(() => buildQemuArgs({ ...base, icount: { shift: 11, sleep: false } })).toThrow(/bad qemu icount shift: 11, want auto or \[0-10\]/);
    expect(() => buildQemuArgs({ ...base, accel: 'kvm', icount: { shift: 'auto', sleep: false } })).toThrow(/virtual time needs TCG/);
  });

  it('uses the host CPU under KVM only', () => {
    const args = buildQemuArgs({ ...base, accel: 'kvm' });
    expect(opt(args, '-accel')).toEqual(['kvm']);
    expect(opt(args, '-cpu')).toEqual(['host']);
  });

  it('writes a pid file when asked', () => {
    expect(opt(buildQemuArgs({ ...base, pidFile: '/run/q.pid' }), '-pidfile')).toEqual(['/run/q.pid']);
    expect(buildQemuArgs(base)).not.toContain('-pidfile');
  });

  it('says what was expected for bad values', () => {
    expect(() => buildQemuArgs({ ...base, memMiB: 64 })).toThrow('bad qemu mem: 64, want [128-4096]');
    expect(() => buildQemuArgs({ ...base, memMiB: 5000 })).toThrow('bad qemu mem: 5000, want [128-4096]');
    expect(() => buildQemuArgs({ ...base, cpus: 0 })).toThrow('bad qemu cpus: 0, want [1-8]');
    expect(() => buildQemuArgs({ ...base, kernel: '' })).toThrow('bad qemu kernel: "", want a file path');
    expect(() => buildQemuArgs({ ...base, agentSocket: '/tmp/a,b' })).toThrow('without ","');
    expect(() => buildQemuArgs({ ...base, bios: '' })).toThrow('bad qemu bios: "", want a file path');
    expect(() => buildQemuArgs({ ...base, accel: 'hvf' as never })).toThrow('bad qemu accel: hvf, want kvm or tcg');
    expect(() => buildQemuArgs({ ...base, cmdline: ['two words'] })).toThrow('bad kernel command-line word');
  });
});
