import { describe, expect, it } from 'vitest';
import { parseLdd } from '../../../src/backends/docker/rootfs.js';

describe('parseLdd', () => {
  it('lists the libraries and the loader, not the vdso', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibpopt.so.0 => /lib/x86_64-linux-gnu/libpopt.so.0 (0x00007fd0e26c2000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fd0e24b6000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007fd0e26fb000)',
    ].join('\n');
    expect(parseLdd(text)).toEqual(['/lib/x86_64-linux-gnu/libpopt.so.0', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});
