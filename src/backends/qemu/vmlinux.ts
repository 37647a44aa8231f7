// The uncompressed kernel (vmlinux) out of Debian's bzImage. QEMU boots an ELF vmlinux with a PVH
// note directly (CONFIG_PVH=y in both pinned kernels), skipping the bzImage's self-decompression,
// which under TCG is emulated code: ~0.5 s less CPU per boot (bench/vm.bench.ts). The payload is
// located by the boot protocol's header and decompressed with the host's tool.
import fs from 'node:fs/promises';
import { InfraError } from '../../errors.js';
import { ensureTools, runToFile, TOOLS, type Tool } from './tools.js';

const FORMATS: { name: string; magic: Buffer; tool: Tool; args: string[] }[] = [
  { name: 'lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), tool: TOOLS.lz4, args: ['-dc'] },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: TOOLS.zstd, args: ['-dcq'] },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: TOOLS.xz, args: ['-dcq'] },
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b, 0x08]), tool: TOOLS.gzip, args: ['-dcq'] },
];

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * Where the compressed kernel sits in a bzImage: the x86 boot protocol's setup header gives
 * setup_sects (0x1f1), payload_offset (0x248) and payload_length (0x24c), the offset counted from
 * the protected-mode code, which starts after (setup_sects + 1) sectors of 512 bytes.
 */
export function payloadOf(image: Buffer): Buffer {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS')
    throw new InfraError('IPVS_CONFORM_VMLINUX', 'not a bzImage: no "HdrS" setup header at 0x202');
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  if (start + length > image.length) throw new InfraError('IPVS_CONFORM_VMLINUX', `bzImage payload ${start}+${length} runs past the file (${image.length} bytes)`);
  return image.subarray(start, start + length);
}

/** Writes the vmlinux ELF inside `bzImage` to `out`. */
export async function extractVmlinux(bzImage: string, out: string): Promise<{ format: string }> {
  const payload = payloadOf(await fs.readFile(bzImage));
  const f = FORMATS.find((x) => payload.subarray(0, x.magic.length).equals(x.magic));
  if (!f) throw new InfraError('IPVS_CONFORM_VMLINUX', `${bzImage}: payload compressed with none of ${FORMATS.map((x) => x.name).join(', ')}`);
  const tools = await ensureTools([f.tool]);
  const packed = `${out}.payload`;
  await fs.writeFile(packed, payload);
  try {
    // The payload ends with the uncompressed size, which some tools call trailing garbage: the
    // exit code is not trusted, the output is (an ELF header and a kernel's size).
    const r = await runToFile(tools[f.tool.cmd]!, [...f.args, packed], out);
    const head = Buffer.alloc(4);
    const fh = await fs.open(out, 'r');
    const size = (await fh.stat()).size;
    await fh.read(head, 0, 4, 0);
    await fh.close();
    if (size < 1 << 20 || !head.equals(ELF))
      throw new InfraError('IPVS_CONFORM_VMLINUX', `${bzImage}: ${f.name} payload did not decompress to an ELF kernel (${String(r.stderr).slice(0, 200)})`);
  } finally {
    await fs.rm(packed, { force: true });
  }
  return { format: f.name };
}
