import { describe, expect, it } from 'vitest';
import { loadOrder } from './build.js';
import { parseModulesDep } from '../../../../src/backends/qemu/modules.js';

describe('loadOrder', () => {
  // 6.1 cloud's modules.dep line for the NIC QEMU gives the guest.
  const deps = parseModulesDep(
    [
      'kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko',
      'kernel/net/core/failover.ko:',
      'kernel/drivers/virtio/virtio_ring.ko:',
      'kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko',
    ].join('\n'),
  );

  it('lists every dependency before the module that needs it', () => {
    const order = loadOrder(deps, 'virtio_net');
    expect(order.at(-1)).toBe('kernel/drivers/net/virtio_net.ko');
    expect(new Set(order).size).toBe(5);
    const at = (n: string) => order.findIndex((r) => r.endsWith(`/${n}.ko`));
    expect(at('failover')).toBeLessThan(at('net_failover'));
    expect(at('virtio_ring')).toBeLessThan(at('virtio'));
  });

  it('names a module the kernel does not have', () => {
    expect(() => loadOrder(deps, 'e1000')).toThrow(/e1000 is not in the kernel's modules.dep/);
  });
});
