// The harness must bite in the path of DR and tunnel forwarding: a one-word bug planted in
// ip_vs_proto_tcp.c (vm/examples/patches/dr-input-only-table.patch: the INPUT rows instead of
// INPUT-ONLY for connections whose replies bypass the director) is caught by a short run of the
// standard mix on the real 6.1 kernel and shrunk to a small case with a DR or tunnel destination,
// while the same run on the unpatched kernel passes. Boots real guests (QEMU, TCG where KVM fails).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCase } from '../../src/casefile/casefile.js';
import { REPO_ROOT } from '../../src/patch/env.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');
const PATCH = path.join(REPO_ROOT, 'vm/examples/patches/dr-input-only-table.patch');
const cli = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1' } });
// The standard mix (every scheduler), seed 24: cases 1 and 4 have a DR or tunnel destination
// whose connection the client closes (a model with the mutant's table differs there, and the
// engine with that model as its kernel saves both as four events: a service, one DR or tunnel
// destination, a connection and its FIN).
const RUN = ['run', '--kernel', '6.1', '--cases', '5', '--seed', '24', '--jobs', '2'];

let reports: string;
beforeAll(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'patch-dr-mutant-'));
});
afterAll(() => rm(reports, { recursive: true, force: true }));

describe('the INPUT-ONLY mutant on kernel 6.1', () => {
  it(
    'is caught: exit 1, a small saved case with a DR or tunnel destination, the -c listing differs',
    async () => {
      const dir = path.join(reports, 'mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const files = (await readdir(path.join(dir, 'cases'))).filter((f) => f.endsWith('.yaml'));
      const cases = await Promise.all(files.map((f) => loadCase(path.join(dir, 'cases', f))));
      const smallest = cases.sort((a, b) => a.scenario.events.length - b.scenario.events.length)[0]!;
      expect(smallest.scenario.events.length).toBeLessThanOrEqual(6);
      expect(smallest.scenario.events.some((e) => e.op === 'dest-add' && (e.fwd === 'route' || e.fwd === 'tunnel'))).toBe(true);
      expect(smallest.verdict?.what).toBe('conns');
      expect(smallest.verdict?.got).toMatch(/CLOSE_WAIT/);
    },
    900_000,
  );

  it(
    'and the same run on the unpatched kernel passes (exit 0)',
    async () => {
      const r = await cli(...RUN, '--report', path.join(reports, 'stock'));
      expect(r.exitCode, r.all).toBe(0);
    },
    600_000,
  );
});
