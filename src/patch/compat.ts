// Will the modules we built load into the stock kernel image? Two things decide it (see
// kernel/module/version.c check_version() and check_modinfo()): the vermagic string must name the
// running release, and every imported symbol's CRC (CONFIG_MODVERSIONS) must match the one the
// kernel (or the module that exports it) was built with. The kernel's CRCs are in the headers'
// Module.symvers; those of the IPVS modules we rebuilt are in our own build's Module.symvers.
import { InfraError, UsageError } from '../errors.js';
import { tool } from './exec.js';

export interface SymverEntry {
  crc: number;
  module: string;
}

/** Module.symvers: `0xCRC<TAB>symbol<TAB>module<TAB>EXPORT_...<TAB>namespace`. */
export function parseSymvers(text: string): Map<string, SymverEntry> {
  const out = new Map<string, SymverEntry>();
  for (const line of text.split('\n')) {
    const [crc, name, module] = line.split('\t');
    if (crc && name && module) out.set(name, { crc: Number.parseInt(crc, 16), module });
  }
  return out;
}

async function kmod(file: string, args: string[]): Promise<string> {
  const r = await tool(file, args);
  if (r.exitCode !== 0) throw new InfraError('IPVS_CONFORM_KMOD', `${file} ${args.join(' ')} failed:\n${r.output}`);
  return r.output;
}

export interface CompatReport {
  /** Exports of the rebuilt modules whose CRC differs from the stock kernel's (the patch changed an ABI). */
  abiChanged: string[];
}

/**
 * Checks every module: vermagic names `release`, and each imported symbol is exported with the same
 * CRC by the stock kernel (`stock`) or by one of the modules built beside it (`own`).
 */
export async function checkCompat(opts: {
  kos: string[];
  release: string;
  stock: Map<string, SymverEntry>;
  own: Map<string, SymverEntry>;
}): Promise<CompatReport> {
  const modversions = [...opts.stock.values()].some((e) => e.crc !== 0);
  for (const ko of opts.kos) {
    const magic = (await kmod('modinfo', ['-F', 'vermagic', ko])).trim();
    if (magic.split(' ')[0] !== opts.release) {
      throw new InfraError(
        'IPVS_CONFORM_VERMAGIC',
        `${ko}: vermagic "${magic}" does not name ${opts.release}: the headers used do not match the kernel image (check vm/kernels.yaml)`,
      );
    }
    // A kernel built without CONFIG_MODVERSIONS (a tree: defconfig has none) exports every symbol
    // with CRC 0 and its modules carry no __versions: it checks only vermagic, and so do we.
    if (!modversions) continue;
    const dump = await kmod('modprobe', ['--dump-modversions', ko]);
    for (const line of dump.split('\n')) {
      const [crcText, name] = line.trim().split(/\s+/);
      if (!crcText || !name) continue;
      const crc = Number.parseInt(crcText, 16);
      const have = opts.own.get(name) ?? opts.stock.get(name);
      if (!have) {
        throw new UsageError(
          'IPVS_CONFORM_PATCH_BUILD',
          `${ko}: uses the symbol ${name}, which kernel ${opts.release} does not export: the module would not load. Fix: use only exported kernel functions.`,
        );
      }
      if (have.crc !== crc) {
        throw new InfraError(
          'IPVS_CONFORM_MODVERSIONS',
          `${ko}: imports ${name} with CRC 0x${crc.toString(16)}, but ${have.module} exports it with 0x${have.crc.toString(16)}: the module would not load`,
        );
      }
    }
  }
  const abiChanged: string[] = [];
  for (const [name, e] of opts.own) {
    const s = opts.stock.get(name);
    if (s && s.crc !== e.crc) abiChanged.push(name);
  }
  return { abiChanged: abiChanged.sort() };
}
