// What the instrumented IPVS modules ran: gcov arc counters per object file and function, summed
// over the takes the guests sent (vm/agent/PROTOCOL.md `cov`). A counter that turns non-zero for
// the first time is "new coverage": the signal coverage-guided generation keeps cases for.
import { InfraError } from '../errors.js';

export interface FunctionCounters {
  ident: number;
  linenoChecksum: number;
  cfgChecksum: number;
  /** Every arc counter of the function, zero where nothing ran. */
  counts: number[];
}

export interface ObjectCounters {
  /** The gcda file name compiled into the module (the build tree's path). */
  file: string;
  version: number;
  stamp: number;
  checksum: number;
  functions: Map<number, FunctionCounters>;
}

const bad = (line: string, why: string) => new InfraError('IPVS_CONFORM_COVERAGE', `a coverage take does not parse (${why}): ${JSON.stringify(line.slice(0, 120))}`);

/** Parses one take: `onObject` for each F line, then `onFunction` for each of its f lines (the non-zero counters). */
export function parseTake(text: string, onObject: (o: Omit<ObjectCounters, 'functions'>) => void, onFunction: (f: Omit<FunctionCounters, 'counts'> & { n: number; hits: [number, number][] }) => void): void {
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = line.split(' ');
    if (t[0] === 'F' && t.length === 5) {
      onObject({ file: t[1]!, version: parseInt(t[2]!, 16), stamp: Number(t[3]), checksum: Number(t[4]) });
    } else if (t[0] === 'f' && t.length >= 6) {
      const hits = t.slice(5).map((p): [number, number] => {
        const [i, v] = p.split(':');
        return [Number(i), Number(v)];
      });
      const n = Number(t[4]);
      if (hits.some(([i, v]) => !Number.isInteger(i) || i < 0 || i >= n || !Number.isFinite(v))) throw bad(line, 'counter index or value out of range');
      onFunction({ ident: Number(t[1]), linenoChecksum: Number(t[2]), cfgChecksum: Number(t[3]), n, hits });
    } else {
      throw bad(line, 'expected an F or f line');
    }
  }
}

/** Counters summed over takes, with the number of arcs each take saw for the first time. */
export class Counters {
  readonly objects = new Map<string, ObjectCounters>();
  private arcsHit = 0;

  /** Adds a take; returns the arcs it ran that no earlier take had (arcKey). */
  add(text: string): string[] {
    let obj: ObjectCounters | undefined;
    const fresh: string[] = [];
    parseTake(
      text,
      (o) => {
        obj = this.objects.get(o.file);
        if (!obj) this.objects.set(o.file, (obj = { ...o, functions: new Map() }));
      },
      (f) => {
        if (!obj) throw bad(`f ${f.ident}`, 'a function before any object');
        let fn = obj.functions.get(f.ident);
        if (!fn) obj.functions.set(f.ident, (fn = { ident: f.ident, linenoChecksum: f.linenoChecksum, cfgChecksum: f.cfgChecksum, counts: new Array<number>(f.n).fill(0) }));
        for (const [i, v] of f.hits) {
          if (fn.counts[i] === 0 && v > 0) fresh.push(arcKey(obj.file, f.ident, i));
          fn.counts[i]! += v;
        }
      },
    );
    this.arcsHit += fresh.length;
    return fresh;
  }

  /** Arcs (counters) that ran at least once. */
  get arcs(): number {
    return this.arcsHit;
  }
}

/**
 * A name for one arc that stays the same across builds of the same source (the gcda's directory is
 * the build's temporary tree): object file name, function ident, counter index.
 */
export function arcKey(file: string, ident: number, index: number): string {
  return `${file.slice(file.lastIndexOf('/') + 1)}#${ident}#${index}`;
}

/** GCC's gcov version word ("B22*" for 12.2) to the major version. */
export function gccMajor(version: number): number {
  return ((version >>> 24) - 0x41) * 10 + (((version >>> 16) & 0xff) - 0x30);
}

/** The object's counters as a gcda file (gcc/gcov-io.h; kernel/gcov/gcc_4_7.c convert_to_gcda). */
export function gcdaBytes(o: ObjectCounters): Buffer {
  // Since GCC 12 record lengths are in bytes, before in 4-byte words.
  const unit = gccMajor(o.version) >= 12 ? 4 : 1;
  const words: number[] = [0x67636461, o.version, o.stamp];
  if (gccMajor(o.version) >= 12) words.push(o.checksum);
  for (const f of [...o.functions.values()].sort((a, b) => a.ident - b.ident)) {
    words.push(0x01000000, 3 * unit, f.ident, f.linenoChecksum, f.cfgChecksum);
    words.push(0x01a10000, f.counts.length * 2 * unit);
    for (const c of f.counts) words.push(c % 2 ** 32, Math.floor(c / 2 ** 32));
  }
  const buf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
  return buf;
}
