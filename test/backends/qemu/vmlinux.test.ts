import { describe, expect, it } from 'vitest';
import { payloadOf } from '../../../src/backends/qemu/vmlinux.js';

/** A bzImage-shaped buffer: setup header at 0x1f1.., payload after (setup_sects + 1) sectors. */
function fakeBzImage(setupSects: number, payloadOffset: number, payload: Buffer): Buffer {
  const start = ((setupSects || 4) + 1) * 512 + payloadOffset;
  const b = Buffer.alloc(start + payload.length + 16);
  b[0x1f1] = setupSects;
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt32LE(payloadOffset, 0x248);
  b.writeUInt32LE(payload.length, 0x24c);
  payload.copy(b, start);
  return b;
}

describe('payloadOf', () => {
  it('finds the compressed kernel where the boot protocol header says', () => {
    const payload = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]);
    expect(payloadOf(fakeBzImage(27, 0x3a5, payload))).toEqual(payload);
  });
  it('reads setup_sects 0 as 4, as the boot protocol says', () => {
    const payload = Buffer.from([0x02, 0x21, 0x4c, 0x18, 9]);
    expect(payloadOf(fakeBzImage(0, 16, payload))).toEqual(payload);
  });
  it('rejects what is not a bzImage', () => {
    expect(() => payloadOf(Buffer.alloc(4096))).toThrow('not a bzImage');
  });
});
