// Module.symvers parsing: the CRCs that decide whether a rebuilt module loads in the stock kernel.
import { describe, expect, it } from 'vitest';
import { parseSymvers } from '../../src/patch/compat.js';

describe('parseSymvers', () => {
  it('reads CRC, symbol and module, ignoring the export kind and namespace', () => {
    const text =
      '0xf6f99983\tregister_ip_vs_scheduler\tnet/netfilter/ipvs/ip_vs\tEXPORT_SYMBOL\t\n' +
      '0x82164fbb\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n' +
      '0x0000abcd\tns_sym\tdrivers/x\tEXPORT_SYMBOL_GPL\tSOME_NS\n\n';
    const m = parseSymvers(text);
    expect(m.size).toBe(3);
    expect(m.get('register_ip_vs_scheduler')).toEqual({ crc: 0xf6f99983, module: 'net/netfilter/ipvs/ip_vs' });
    expect(m.get('module_layout')).toEqual({ crc: 0x82164fbb, module: 'vmlinux' });
    expect(m.get('ns_sym')!.crc).toBe(0xabcd);
  });
});
