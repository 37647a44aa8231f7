import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Counters, gccMajor, gcdaBytes, type ObjectCounters } from '../../src/coverage/counters.js';

const TAKE = `F /b/tree/net/netfilter/ipvs/ip_vs_rr.gcda 4232322a 7 9
f 11 1 2 4 0:3 2:1
f 12 3 4 2 1:5
`;

describe('Counters', () => {
  it('sums takes and counts only arcs no earlier take reached as new', () => {
    const c = new Counters();
    expect(c.add(TAKE)).toEqual(['ip_vs_rr.gcda#11#0', 'ip_vs_rr.gcda#11#2', 'ip_vs_rr.gcda#12#1']);
    expect(c.add(TAKE)).toEqual([]);
    expect(c.add('F /b/tree/net/netfilter/ipvs/ip_vs_rr.gcda 4232322a 7 9\nf 11 1 2 4 1:2\n')).toHaveLength(1);
    const fn = c.objects.get('/b/tree/net/netfilter/ipvs/ip_vs_rr.gcda')!.functions.get(11)!;
    expect(fn.counts).toEqual([6, 2, 2, 0]);
    expect(c.arcs).toBe(4);
  });

  it('refuses a take it cannot read, naming the line', () => {
    expect(() => new Counters().add('x 1 2\n')).toThrow(/expected an F or f line.*x 1 2/);
    expect(() => new Counters().add('f 1 2 3 4 0:1\n')).toThrow(/a function before any object/);
    expect(() => new Counters().add('F a 4232322a 1 2\nf 1 2 3 2 5:1\n')).toThrow(/out of range/);
  });

  it('reads the GCC major version from the gcov version word', () => {
    expect(gccMajor(0x4232322a)).toBe(12); // "B22*"
  });
});

// Checked against GCC itself: a program's gcda written by libgcov, read back into our counters and
// written again, gives gcov the same line counts.
describe('gcdaBytes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipvsc-gcda-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function readGcda(buf: Buffer): ObjectCounters {
    const w = (i: number) => buf.readUInt32LE(i * 4);
    const o: ObjectCounters = { file: 'p.gcda', version: w(1), stamp: w(2), checksum: w(3), functions: new Map() };
    let fn: { ident: number } | undefined;
    for (let i = 4; i + 1 < buf.length / 4; ) {
      const [tag, len] = [w(i), w(i + 1) / 4];
      if (tag === 0x01000000) {
        fn = { ident: w(i + 2) };
        o.functions.set(fn.ident, { ident: fn.ident, linenoChecksum: w(i + 3), cfgChecksum: w(i + 4), counts: [] });
      } else if (tag === 0x01a10000 && fn) {
        const counts = Array.from({ length: len / 2 }, (_, k) => w(i + 2 + 2 * k) + w(i + 3 + 2 * k) * 2 ** 32);
        o.functions.get(fn.ident)!.counts = counts;
      }
      i += 2 + len;
    }
    return o;
  }

  it('writes what gcov reads as libgcov wrote it', () => {
    writeFileSync(path.join(dir, 'p.c'), 'int f(int x){ if (x>3) return x*2; return x+1; }\nint main(int c, char **v){ int s=0; for(int i=0;i<c+5;i++) s+=f(i); return s & 1; }\n');
    execFileSync('gcc-12', ['-O1', '-fprofile-arcs', '-ftest-coverage', 'p.c', '-o', 'p'], { cwd: dir });
    execFileSync('./p', [], { cwd: dir });
    const gcov = () => execFileSync('gcov-12', ['-t', 'p.c'], { cwd: dir, encoding: 'utf8' });
    const theirs = gcov();
    const mine = gcdaBytes(readGcda(readFileSync(path.join(dir, 'p.gcda'))));
    writeFileSync(path.join(dir, 'p.gcda'), mine);
    expect(gcov().replace(/Runs:.*\n/, '')).toBe(theirs.replace(/Runs:.*\n/, ''));
    expect(theirs).toMatch(/ 6:\s+1:int f/);
  });
});
