// Differential test: the sh and mh models against kernel-ref/hash_ref.c, a user-space transcript
// of ip_vs_sh.c, ip_vs_mh.c and lib/siphash.c (64-bit) compiled with the host's gcc. Random
// services (dests, weights, last_weights, OVERLOAD, flags) and clients must get the same dest,
// and mh the same whole lookup table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mh, mhLookup } from '../../src/model/schedulers/mh.js';
import { sh } from '../../src/model/schedulers/sh.js';
import type { DestState } from '../../src/model/types.js';
import { mkDest, mkService, one, pkt } from '../../test/model/schedulers/hash-fixtures.js';

let dir = '';
let bin = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipvs-conform-hash-ref-'));
  bin = join(dir, 'hash_ref');
  execFileSync('gcc', ['-O2', '-Wall', '-o', bin, join(import.meta.dirname, 'kernel-ref', 'hash_ref.c')]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface DestSpec {
  host: number;
  port: number;
  weight: number;
  lastWeight: number;
  overload: boolean;
}

const destSpec = fc
  .record({
    host: fc.integer({ min: 1, max: 40 }),
    port: fc.constantFrom(80, 8080, 443, 1, 65535),
    weight: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 400 }), fc.constant(100000)),
    // a dest edited to weight 0 keeps its last non-zero weight
    edited: fc.integer({ min: 0, max: 300 }),
    overload: fc.boolean(),
  })
  .map(({ host, port, weight, edited, overload }) => ({
    host,
    port,
    weight,
    lastWeight: weight === 0 ? edited : weight,
    overload,
  }));

const caseArb = fc.record({
  sched: fc.constantFrom('sh', 'mh'),
  flags: fc.constantFrom(0, 0x08, 0x10, 0x18),
  dests: fc.uniqueArray(destSpec, { maxLength: 7, selector: (d) => `${d.host}:${d.port}` }),
  clients: fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 65535 })), {
    minLength: 1,
    maxLength: 12,
  }),
});

function toDest(s: DestSpec): DestState {
  return mkDest(`10.2.${s.host >> 8}.${s.host & 255}:${s.port}`, {
    weight: s.weight,
    lastWeight: s.lastWeight,
    overload: s.overload,
  });
}

describe('sh and mh against a C transcript of the kernel', () => {
  it('choose the same dest and build the same mh table', () => {
    fc.assert(
      fc.property(caseArb, ({ sched, flags, dests, clients }) => {
        const model = sched === 'sh' ? sh : mh;
        const ds = dests.map(toDest);
        const svc = mkService(model, ds.slice(), { flags });
        let script = `svc ${sched} ${flags}\n`;
        for (const d of ds) script += `dest ${d.addrNum} ${d.port} ${d.weight} ${d.lastWeight} ${d.overload ? 1 : 0}\n`;
        script += 'build\n';
        const addrs = clients.map(([n, port]) => [`10.1.${n >> 8}.${n & 255}`, port] as const);
        for (const [a, port] of addrs) script += `client ${pkt(a, port).saddr} ${port}\n`;
        if (sched === 'mh') script += 'table\n';
        const out = execFileSync(bin, { input: script, encoding: 'utf8' }).trim().split('\n');
        const got = addrs.map(([a, port]) => {
          const d = one(model, svc, pkt(a, port));
          return d ? ds.indexOf(d) : -1;
        });
        expect(got).toEqual(out.slice(0, addrs.length).map(Number));
        if (sched === 'mh') {
          const table = mhLookup(svc).map((d) => (d ? ds.indexOf(d) : -1));
          expect(table.join(' ')).toBe(out[addrs.length]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
