import { describe, expect, it } from 'vitest';
import { dockerHostQemuArgs, freeLoopbackPort } from './guest.js';
import { buildQemuArgs } from '../../../../src/backends/qemu/qemu-args.js';

const base = () => buildQemuArgs({ kernel: '/k/vmlinux', initrd: '/k/initrd.img', agentSocket: '/tmp/a.sock', accel: 'tcg', memMiB: 1536, cpus: 2, pidFile: '/tmp/q.pid' });

describe('dockerHostQemuArgs', () => {
  it('swaps -nic none for a restricted user-mode NIC forwarding only loopback:port to the guest dockerd', () => {
    const args = dockerHostQemuArgs(base(), 40123);
    const nics = args.flatMap((a, i) => (a === '-nic' || a === '-netdev' || a === '-net' ? [args[i + 1]] : []));
    expect(nics).toEqual(['user,restrict=on,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:40123-:2375']);
    expect(args.join(' ')).not.toContain('-nic none');
  });

  it('drops the agent channel and keeps everything else of buildQemuArgs in order', () => {
    const b = base();
    const args = dockerHostQemuArgs(b, 40123);
    expect(args.join(' ')).not.toMatch(/virtio-serial|virtserialport|chardev|a\.sock/);
    const expected: string[] = [];
    for (let i = 0; i < b.length; i++) {
      if ((b[i] === '-device' || b[i] === '-chardev') && /virtio-serial|virtserialport|id=agent/.test(b[i + 1]!)) i++;
      else expected.push(b[i - 1] === '-nic' ? 'user,restrict=on,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:40123-:2375' : b[i]!);
    }
    expect(args).toEqual(expected);
    expect(args).toEqual(expect.arrayContaining(['-nodefaults', '-no-reboot', '-m', '1536', '-smp', '2', '-pidfile', '/tmp/q.pid']));
  });

  it('refuses base arguments that do not have exactly one -nic none', () => {
    expect(() => dockerHostQemuArgs(['-nodefaults', '-m', '256'], 1)).toThrow(/exactly one "-nic none"/);
    expect(() => dockerHostQemuArgs([...base(), '-nic', 'user'], 1)).toThrow(/exactly one "-nic none"/);
    expect(() => dockerHostQemuArgs(base(), 0)).toThrow(/bad forwarded port/);
  });

  it('freeLoopbackPort gives a usable port', async () => {
    const p = await freeLoopbackPort();
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(65536);
  });
});
